"""Will my flight be late? Version 2 of the embedded app, for model version 2 (spec "weather").

    streamlit run architectures/embedded/app_weather.py

What changed from ``app.py`` to use the weather model: the app must now collect the weather at the
origin at departure time (here: the observation in the data, standing in for a forecast service), send
it with the flight, and be redeployed, restarting every running copy.

The script loads the production model from the registry once per process, and every click scores the
flight in the same process: no other service, no network hop. A link can prefill the form:
``?carrier=UA&origin=EWR&dest=ORD&date=2013-07-15&time=08:30``.
"""

from __future__ import annotations

import traceback

import pandas as pd
import streamlit as st

from architectures.embedded import core
from shared.data import load_flights
from shared.features import WEATHER
from shared.paths import models_dir
from shared.schema import InputError

APP_SPEC = "weather"  # the model this app was written for
COLLECTED = ["carrier", "origin", "dest", "sched_dep", "distance", *WEATHER]  # the inputs this app can send


@st.cache_resource(show_spinner="Loading the model (once per process)…")
def load_model(registry_root: str) -> core.EmbeddedModel:
    return core.load_embedded_model(registry_root, APP_SPEC)


@st.cache_resource(show_spinner="Loading the weather observations…")
def load_weather() -> pd.DataFrame:
    """The weather at each New York airport, hour by hour (the origin's weather of the flights leaving then)."""
    flights = load_flights()
    return flights.groupby(["origin", flights["sched_dep"].dt.floor("h")])[WEATHER].first()


def weather_at(origin: str, hour: pd.Timestamp) -> dict[str, float | None]:
    """The weather observed at ``origin`` at ``hour``; ``None`` for what was not observed."""
    weather = load_weather()
    if (origin, hour) not in weather.index:
        return dict.fromkeys(WEATHER)
    observed = weather.loc[(origin, hour)]
    return {column: None if pd.isna(observed[column]) else float(observed[column]) for column in WEATHER}


def show_input_error(error: InputError) -> None:
    st.error(f"**Cannot estimate this flight.** {error.message[0].upper()}{error.message[1:]}.", icon="🚫")


def main() -> None:
    st.set_page_config(page_title="Will my flight be late?", page_icon="✈️")
    st.title("✈️ Will my flight be late?")
    st.caption("New York City flights, 2013. The model runs inside this app (arquitetura embutida).")

    model = load_model(str(models_dir()))
    predictor, facts = model.predictor, model.facts
    missing = model.missing_inputs(COLLECTED)
    if missing:
        st.error(
            f"**This app cannot use model version {predictor.version}.** That model needs inputs this app does "
            f"not collect: {', '.join(missing)}. Deploy the app version written for the '{predictor.spec}' model.",
            icon="🧩",
        )
        st.stop()

    try:
        initial = core.query_flight(st.query_params.to_dict(), facts)
    except InputError as error:
        show_input_error(error)
        st.button("Start over", on_click=st.query_params.clear)
        st.stop()

    left, right = st.columns(2)
    origin = left.selectbox(
        "From", facts.origins, index=facts.origins.index(initial["origin"]), format_func=facts.airport_label
    )
    destinations = facts.destinations(origin)
    dest = right.selectbox(
        "To",
        destinations,
        index=destinations.index(initial["dest"]) if initial["dest"] in destinations else 0,
        format_func=facts.airport_label,
    )
    carrier = st.selectbox(
        "Airline", facts.carriers, index=facts.carriers.index(initial["carrier"]), format_func=facts.carrier_label
    )
    left, right = st.columns(2)
    day = left.date_input("Date", initial["day"], min_value=facts.first_day, max_value=facts.last_day)
    departure = right.time_input("Scheduled departure (New York time)", initial["departure"], step=300)

    try:
        record = core.flight_record(facts, carrier, origin, dest, day, departure)
        record |= weather_at(origin, pd.Timestamp(record["sched_dep"]).floor("h"))
        prediction = predictor.predict(record)
    except InputError as error:
        show_input_error(error)
        st.stop()

    observed = {column: value for column, value in record.items() if column in WEATHER}
    with st.expander(f"Weather at {origin}, {record['sched_dep']:%Y-%m-%d %H}:00 (observed)"):
        st.table(pd.Series(observed, name="value").map(lambda value: "missing" if pd.isna(value) else f"{value:,.2f}"))
    average = core.sigmoid(model.explainer.baseline_logit)
    st.metric(
        "P(late ≥ 15 min)",
        f"{prediction.p_late:.1%}",
        delta=f"{100 * (prediction.p_late - average):+.1f} points vs a typical flight",
        delta_color="inverse",
    )
    manifest = predictor.entry.manifest
    st.caption(
        f"Model version {prediction.model_version} ({predictor.spec}), trained on "
        f"{manifest['training_data']['train_rows']:,} flights of January–June 2013; "
        f"ROC AUC {manifest['metrics']['roc_auc']:.3f} on July–December."
    )

    st.subheader("What drives it")
    st.write(
        f"The model (a logistic regression) starts from a typical flight of its training data, {average:.1%} "
        "(its average log-odds), and each input multiplies the odds of arriving late by a factor (×1.00: no effect)."
    )
    st.table(core.explanation_table(model, record))
    flown = int(facts.route_flights.get((carrier, origin, dest), 0))
    if flown:
        st.caption(f"{flown:,} {carrier} flights flew {origin} → {dest} in the training data.")
    else:
        st.info(
            f"No {carrier} flight flew {origin} → {dest} in the training data: the estimate combines what the "
            "model learnt about the airline and about the route separately.",
            icon="ℹ️",
        )
    st.caption(f"Link to this flight: `?{core.flight_query(record)}`")


try:
    main()
except Exception as error:  # a clear message in the page, the traceback in the server's log
    traceback.print_exc()
    st.error(f"**Something went wrong:** {type(error).__name__}: {error}", icon="💥")
