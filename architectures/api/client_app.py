"""A Streamlit app that asks the model API: no model, no scikit-learn, no ONNX in this program.

    API_URL=http://127.0.0.1:8000 streamlit run architectures/api/client_app.py

Compare with notebook 01's embedded app, which loads the model itself: this one only knows the API's
address. Its choices of airline and airports come from the API's metadata, so a new model version
(with new airports, or new inputs the service looks up) reaches the app with no change to this file.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time

import httpx
import streamlit as st

from architectures.api.client import ApiError, FlightDelayClient

API_URL = os.environ.get("API_URL", "http://127.0.0.1:8000")


@st.cache_resource
def api(url: str) -> FlightDelayClient:
    """One keep-alive client for every session of this app."""
    return FlightDelayClient(url)


def pick(label: str, options: list[str], preferred: str) -> str:
    return st.selectbox(label, options, index=options.index(preferred) if preferred in options else 0)


st.title("Will my flight arrive late?")
st.caption(f"Answers come from the model API at {API_URL}; this app holds no model.")

try:
    metadata = api(API_URL).metadata()
except (ApiError, httpx.TransportError) as error:
    st.error(f"The model API is not answering ({error}). Start it, then reload this page.")
    st.stop()

choices = {field["name"]: field.get("categories", []) for field in metadata["parameters"]["input_schema"]}
with st.form("flight"):
    carrier = pick("Airline", choices["carrier"], "UA")
    origin = pick("From", choices["origin"], "EWR")
    dest = pick("To", choices["dest"], "ORD")
    day = st.date_input("Day", date(2013, 7, 15), min_value=date(2013, 1, 1), max_value=date(2013, 12, 31))
    departure = st.time_input("Scheduled departure", time(17, 30))
    distance = st.number_input("Distance (miles)", min_value=1, max_value=5000, value=719)
    submitted = st.form_submit_button("Predict")

if submitted:
    flight = {
        "carrier": carrier,
        "origin": origin,
        "dest": dest,
        "sched_dep": datetime.combine(day, departure).isoformat(),
        "distance": float(distance),
    }
    try:
        answer = api(API_URL).predict(flight)
    except ApiError as error:
        st.error(f"The API refused this flight: {error.detail}")
    except httpx.TransportError as error:
        st.error(f"The model API is not answering ({error}).")
    else:
        st.metric("Chance of arriving 15+ minutes late", f"{answer.p_late:.0%}")
        st.caption(f"model version {answer.model_version} · request {answer.request_id}")
