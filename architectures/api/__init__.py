"""The dedicated model API (API dedicada): a FastAPI service, a Python client and a Streamlit client.

- ``service``: the app factory (``uvicorn architectures.api.service:app``), the alias watcher, the CLI
- ``routers``: the routes by concern (``health``, ``models``, ``inference``, ``admin``), the Open Inference
  Protocol v2 plus the one-flight ``/predict``; ``dependencies``, ``auth``, ``errors``, ``middleware``, ``oip``
- ``model_server``: which model answers (atomic swap on alias move, bounded cache of pinned versions)
- ``weather``: the feature lookup the service owns (weather at the origin, at the scheduled hour)
- ``schemas``: the request and response bodies (pydantic), i.e. the OpenAPI contract
- ``command``: the one uvicorn command line
- ``client``: the small Python client applications use; ``client_app``: a Streamlit app built on it
"""
