"""Will my flight be late? The embedded architecture: the model runs inside this Streamlit app.

    streamlit run architectures/embedded/app.py

The script loads the production model from the registry once per process, and every click scores the
flight in the same process: no other service, no network hop. A link can prefill the form:
``?carrier=UA&origin=EWR&dest=ORD&date=2013-07-15&time=08:30``.

The page speaks English or Brazilian Portuguese: ``?lang=pt-BR`` (one of ``shared.i18n.LANGUAGES``; ``pt``
works too), else the environment variable ``SHIPPING_MODELS_LANGUAGE``, else English. An unknown language
shows the page in English with a note saying so.
"""

from __future__ import annotations

import traceback

import streamlit as st

from architectures.embedded import core
from shared.i18n import Translator, page_language, unknown_language_note
from shared.paths import models_dir
from shared.schema import InputError

APP_SPEC = "reference"  # the model this app was written for
COLLECTED = ["carrier", "origin", "dest", "sched_dep", "distance"]  # the inputs this app can send


@st.cache_resource(show_spinner=False)
def load_model(registry_root: str) -> core.EmbeddedModel:
    return core.load_embedded_model(registry_root, APP_SPEC)


def show_input_error(error: InputError, _: Translator) -> None:
    reason = error.translated(_)
    st.error(_("**Cannot estimate this flight.** {reason}.", reason=reason[0].upper() + reason[1:]), icon="🚫")


def start_over(language: str) -> None:
    """Forget the link's flight, keep its language."""
    st.query_params.clear()
    if language != Translator().language:
        st.query_params["lang"] = language


def main(_: Translator) -> None:
    st.set_page_config(page_title=_("Will my flight be late?"), page_icon="✈️")
    st.title("✈️ " + _("Will my flight be late?"))
    st.caption(_("New York City flights, 2013. The model runs inside this app (embedded architecture)."))

    with st.spinner(_("Loading the model (once per process)…")):
        model = load_model(str(models_dir()))
    predictor, facts = model.predictor, model.facts
    missing = model.missing_inputs(COLLECTED)
    if missing:
        st.error(
            _(
                "**This app cannot use model version {version}.** That model needs inputs this app does not "
                "collect: {missing}. Deploy the app version written for the '{spec}' model.",
                version=predictor.version,
                missing=", ".join(missing),
                spec=predictor.spec,
            ),
            icon="🧩",
        )
        st.stop()

    try:
        initial = core.query_flight(st.query_params.to_dict(), facts)
    except InputError as error:
        show_input_error(error, _)
        st.button(_("Start over"), on_click=start_over, args=(_.language,))
        st.stop()

    left, right = st.columns(2)
    origin = left.selectbox(
        _("From"),
        facts.origins,
        index=facts.origins.index(initial["origin"]),
        format_func=lambda code: facts.airport_label(code, _),
    )
    destinations = facts.destinations(origin)
    dest = right.selectbox(
        _("To"),
        destinations,
        index=destinations.index(initial["dest"]) if initial["dest"] in destinations else 0,
        format_func=lambda code: facts.airport_label(code, _),
    )
    carrier = st.selectbox(
        _("Airline"),
        facts.carriers,
        index=facts.carriers.index(initial["carrier"]),
        format_func=lambda code: facts.carrier_label(code, _),
    )
    left, right = st.columns(2)
    day = left.date_input(
        _("Date"), initial["day"], min_value=facts.first_day, max_value=facts.last_day, format=_("YYYY/MM/DD")
    )
    departure = right.time_input(_("Scheduled departure (New York time)"), initial["departure"], step=300)

    try:
        record = core.flight_record(facts, carrier, origin, dest, day, departure)
        prediction = predictor.predict(record)
    except InputError as error:
        show_input_error(error, _)
        st.stop()

    average = core.sigmoid(model.explainer.baseline_logit)
    st.metric(
        _("P(late ≥ 15 min)"),
        _.number(prediction.p_late, ".1%"),
        delta=_("{points:+.1f} points vs a typical flight", points=100 * (prediction.p_late - average)),
        delta_color="inverse",
    )
    manifest = predictor.entry.manifest
    st.caption(
        _(
            core.MODEL_CAPTION,
            version=prediction.model_version,
            spec=predictor.spec,
            rows=manifest["training_data"]["train_rows"],
            auc=manifest["metrics"]["roc_auc"],
        )
    )

    st.subheader(_("What drives it"))
    st.write(
        _(
            "The model (a logistic regression) starts from a typical flight of its training data, {average:.1%} "
            "(its average log-odds), and each input multiplies the odds of arriving late by a factor (×1.00: no "
            "effect).",
            average=average,
        )
    )
    st.table(core.explanation_table(model, record, _))
    flown = int(facts.route_flights.get((carrier, origin, dest), 0))
    route = {"carrier": carrier, "origin": origin, "dest": dest}
    if flown:
        st.caption(_("{flown:,} {carrier} flights flew {origin} → {dest} in the training data.", flown=flown, **route))
    else:
        st.info(
            _(
                "No {carrier} flight flew {origin} → {dest} in the training data: the estimate combines what the "
                "model learnt about the airline and about the route separately.",
                **route,
            ),
            icon="ℹ️",
        )
    st.caption(_(core.LINK_CAPTION, query=core.flight_query(record, _.language)))


language, unknown_language = page_language(st.query_params.get("lang"))
_ = Translator(language)  # this page view's texts
if unknown_language:
    st.warning(unknown_language_note(unknown_language), icon="🌐")
try:
    main(_)
except Exception as error:  # a clear message in the page, the traceback in the server's log
    traceback.print_exc()
    st.error(_("**Something went wrong:** {kind}: {error}", kind=type(error).__name__, error=str(error)), icon="💥")
