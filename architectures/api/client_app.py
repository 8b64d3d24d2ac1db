"""A Streamlit app that asks the model API: no model, no scikit-learn, no ONNX in this program.

    API_URL=http://127.0.0.1:8000 streamlit run architectures/api/client_app.py

Compare with notebook 01's embedded app, which loads the model itself: this one only knows the API's
address. Its choices of airline and airports come from the API's metadata, so a new model version
(with new airports, or new inputs the service looks up) reaches the app with no change to this file.

The page speaks English or Brazilian Portuguese: ``?lang=pt-BR``, else ``$SHIPPING_MODELS_LANGUAGE``, else
English. The API's error messages are protocol data, in English: the page quotes them as they are.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time

import httpx
import streamlit as st

from architectures.api.client import ApiError, FlightDelayClient
from shared.i18n import Translator, page_language, unknown_language_note

API_URL = os.environ.get("API_URL", "http://127.0.0.1:8000")


@st.cache_resource
def api(url: str) -> FlightDelayClient:
    """One keep-alive client for every session of this app."""
    return FlightDelayClient(url)


def pick(label: str, options: list[str], preferred: str) -> str:
    return st.selectbox(label, options, index=options.index(preferred) if preferred in options else 0)


language, unknown_language = page_language(st.query_params.get("lang"))
_ = Translator(language)  # this page view's texts
if unknown_language:
    st.warning(unknown_language_note(unknown_language), icon="🌐")
st.title(_("Will my flight arrive late?"))
st.caption(_("Answers come from the model API at {url}; this app holds no model.", url=API_URL))

try:
    metadata = api(API_URL).metadata()
except (ApiError, httpx.TransportError) as error:
    st.error(_("The model API is not answering ({error}). Start it, then reload this page.", error=str(error)))
    st.stop()

choices = {field["name"]: field.get("categories", []) for field in metadata["parameters"]["input_schema"]}
with st.form("flight"):
    carrier = pick(_("Airline"), choices["carrier"], "UA")
    origin = pick(_("From"), choices["origin"], "EWR")
    dest = pick(_("To"), choices["dest"], "ORD")
    day = st.date_input(
        _("Day"), date(2013, 7, 15), min_value=date(2013, 1, 1), max_value=date(2013, 12, 31), format=_("YYYY/MM/DD")
    )
    departure = st.time_input(_("Scheduled departure"), time(17, 30))
    distance = st.number_input(_("Distance (miles)"), min_value=1, max_value=5000, value=719)
    submitted = st.form_submit_button(_("Predict"))

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
        st.error(_("The API refused this flight: {detail}", detail=str(error.detail)))
    except httpx.TransportError as error:
        st.error(_("The model API is not answering ({error}).", error=str(error)))
    else:
        st.metric(_("Chance of arriving 15+ minutes late"), _.number(answer.p_late, ".0%"))
        st.caption(
            _(
                "model version {version} · request {request_id}",
                version=answer.model_version,
                request_id=answer.request_id,
            )
        )
