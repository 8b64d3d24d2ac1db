"""The dedicated model API (API dedicada): a FastAPI service, a Python client and a Streamlit client.

- ``service``: the app (``uvicorn architectures.api.service:app``), routes, middleware, error handling
- ``model_server``: which model answers (atomic swap on alias move, bounded cache of pinned versions)
- ``weather``: the feature lookup the service owns (weather at the origin, at the scheduled hour)
- ``schemas``: the request and response bodies (pydantic), i.e. the OpenAPI contract
- ``client``: the small Python client applications use; ``client_app``: a Streamlit app built on it
"""
