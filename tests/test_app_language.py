"""The apps in Brazilian Portuguese: ``?lang=pt-BR`` (or the environment) chooses, English stays the default.

The Portuguese texts are the project's catalogs (``locale/pt_BR/architectures.po`` and ``shared.po``): these
tests fail when a text of an app has no translation, and when a page shows English where it should not.
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from app_support import APP_WEATHER, CLIENT_APP, run_app

from architectures.embedded import core
from architectures.embedded.browser import page_url, read_percentage
from shared import i18n
from shared.features import INPUT_FIELDS
from shared.i18n import LANGUAGE_ENV, Translator, match_language, page_language
from shared.predict import Predictor
from shared.processes import free_port
from shared.registry import Registry
from shared.schema import InputError, validate_record

PT = Translator("pt-BR")
# the files whose texts these apps show: every one of their _() texts must have a Portuguese translation
APP_SOURCES = ("architectures/embedded/", "architectures/api/client_app.py")
SHARED_SOURCES = ("shared/schema.py", "shared/features.py", "shared/i18n.py")
FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T08:30:00", "distance": 719.0}


# -- choosing the language ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "language"),
    [("pt-BR", "pt-BR"), ("pt_br", "pt-BR"), (" PT ", "pt-BR"), ("pt-PT", "pt-BR"), ("en", "en"), ("en-US", "en")],
)
def test_a_language_is_matched_by_its_code_in_any_spelling(value: str, language: str) -> None:
    assert match_language(value) == language


@pytest.mark.parametrize(
    ("requested", "environ", "expected"),
    [
        (None, {}, ("en", None)),
        ("", {}, ("en", None)),
        ("pt-BR", {}, ("pt-BR", None)),
        (None, {LANGUAGE_ENV: "pt-BR"}, ("pt-BR", None)),
        ("en", {LANGUAGE_ENV: "pt-BR"}, ("en", None)),  # the page's ?lang= wins over the environment
        ("fr", {}, ("en", "fr")),
        (None, {LANGUAGE_ENV: "klingon"}, ("en", "klingon")),
    ],
)
def test_the_page_language_comes_from_the_query_then_the_environment(
    requested: str | None, environ: dict[str, str], expected: tuple[str, str | None]
) -> None:
    assert page_language(requested, environ) == expected


# -- the embedded app -----------------------------------------------------------------------------------------
def test_the_portuguese_page(restart, app_registry: Registry) -> None:
    app = run_app(lang="pt-BR")
    assert not app.exception and not app.error and not app.warning
    assert app.title[0].value == "✈️ Meu voo vai atrasar?"
    assert [box.label for box in app.selectbox] == ["De", "Para", "Companhia aérea"]
    assert [app.date_input[0].label, app.time_input[0].label] == ["Data", "Partida prevista (horário de Nova York)"]
    assert app.metric[0].label == "P(atraso ≥ 15 min)"
    expected = Predictor.from_registry(registry=app_registry).predict_one(
        {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": datetime(2013, 7, 15, 8), "distance": 719}
    )
    assert app.metric[0].value == f"{expected:.1%}".replace(".", ",")  # Brazilian decimal comma
    assert "pontos percentuais" in app.metric[0].delta
    captions = [caption.value for caption in app.caption]
    assert captions[0].startswith("Voos de Nova York, 2013.")
    assert any(caption.startswith("Versão do modelo 1 (reference), treinado com") for caption in captions)
    assert app.subheader[0].value == "O que pesa na estimativa"
    table = app.table[0].value
    assert list(table.columns) == ["valor", "atrasados nos dados de treino", "efeito nas chances"]
    assert list(table.index) == ["carrier", "origin", "dest", "day_of_week", "dep_hour", "distance"]  # code names
    assert table.loc["day_of_week", "valor"] == "segunda-feira"
    assert table.loc["distance", "valor"] == "719 milhas"
    assert captions[-1] == "Link para este voo: `?carrier=UA&origin=EWR&dest=ORD&date=2013-07-15&time=08:00&lang=pt-BR`"


def test_the_page_reads_its_numbers_the_way_it_writes_them() -> None:
    assert read_percentage("21,9%", "pt-BR") == pytest.approx(0.219)
    assert read_percentage(" 21.9% ", "en") == pytest.approx(0.219)
    assert read_percentage(PT.number(0.5, ".1%"), "pt-BR") == 0.5


def test_the_english_page_is_unchanged(restart) -> None:
    app = run_app()
    assert not app.warning
    assert app.title[0].value == "✈️ Will my flight be late?"
    assert app.metric[0].label == "P(late ≥ 15 min)"
    assert "." in app.metric[0].value and "," not in app.metric[0].value
    assert app.table[0].value.loc["day_of_week", "value"] == "Monday"
    assert app.caption[-1].value.endswith("time=08:00`")  # no lang= in an English link


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"origin": "JFK", "dest": "JFK"}, "Origem e destino são o mesmo aeroporto (JFK); escolha outro destino"),
        ({"origin": "XXX"}, "Aeroporto de partida desconhecido 'XXX'; os voos partem de EWR, JFK, LGA"),
        ({"dest": "ZZZ"}, "Aeroporto desconhecido 'ZZZ': nenhum aeroporto tem este código FAA"),
        ({"date": "2014-02-01"}, "2014-02-01 está fora dos dados: escolha um dia de 2013-01-01 a 2013-12-31"),
        ({"origin": "EWR", "dest": "ANC"}, "O modelo nunca viu ANC"),
        ({"origin": "LGA", "dest": "HNL"}, "Nenhum voo foi de LGA para HNL em 2013"),
        ({"carrier": "ZZ"}, "Companhia aérea desconhecida 'ZZ'"),
        ({"time": "25:00"}, "Não foi possível ler a data ou a hora do link"),
    ],
)
def test_a_bad_link_is_explained_in_portuguese(restart, query: dict[str, str], message: str) -> None:
    app = run_app(lang="pt-BR", **query)
    assert not app.exception
    assert len(app.error) == 1
    assert app.error[0].value.startswith("**Não é possível estimar este voo.**")
    assert message in app.error[0].value
    assert app.button[0].label == "Recomeçar"
    assert not app.metric


def test_start_over_keeps_the_language(restart) -> None:
    app = run_app(lang="pt-BR", origin="JFK", dest="JFK")
    app.button[0].click().run()
    assert not app.error
    assert app.title[0].value == "✈️ Meu voo vai atrasar?"
    assert app.caption[-1].value.endswith("&lang=pt-BR`")


@pytest.mark.parametrize("value", ["fr", "xx-YY", "português"])
def test_an_unknown_language_falls_back_to_english_with_a_note(restart, value: str) -> None:
    app = run_app(lang=value)
    assert not app.exception and not app.error
    assert app.title[0].value == "✈️ Will my flight be late?"
    note = app.warning[0].value
    assert f"Unknown language {value!r}: this page is in English" in note
    assert f"Idioma desconhecido {value!r}: esta página está em inglês" in note
    assert app.metric[0].value.endswith("%")  # and the page works


def test_the_environment_gives_the_default_language(restart, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANGUAGE_ENV, "pt-BR")
    assert run_app().title[0].value == "✈️ Meu voo vai atrasar?"
    assert run_app(lang="en").title[0].value == "✈️ Will my flight be late?"


@pytest.mark.slow
def test_the_weather_app_in_portuguese(restart, weather_in_production) -> None:
    app = run_app(APP_WEATHER, lang="pt-BR", date="2013-07-15", time="08:30")
    assert not app.exception and not app.error
    assert app.expander[0].label == "Clima em EWR, 2013-07-15 08:00 (observado)"
    weather = app.table[0].value
    assert weather.columns[0] == "valor"
    assert all("," in value or value == "ausente" for value in weather.iloc[:, 0])
    assert any(caption.value.startswith("Versão do modelo 2 (weather)") for caption in app.caption)


def test_the_reference_app_explains_a_model_it_cannot_use_in_portuguese(restart, weather_in_production) -> None:
    entry = weather_in_production
    app = run_app(lang="pt-BR")
    assert not app.exception and not app.metric
    assert app.error[0].value.startswith(f"**Este app não pode usar a versão {entry.version} do modelo.**")


def test_the_client_app_in_portuguese_says_when_the_api_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_URL", f"http://127.0.0.1:{free_port()}")
    app = run_app(CLIENT_APP, lang="pt-BR")
    assert not app.exception
    assert app.title[0].value == "Meu voo vai chegar atrasado?"
    assert app.error[0].value.startswith("A API do modelo não está respondendo")


def test_the_client_app_in_portuguese_with_the_api_running(
    app_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from architectures.api.command import uvicorn_command
    from shared.processes import BackgroundProcess

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"SHIPPING_MODELS_HOME": str(app_registry.root)}
    with BackgroundProcess(uvicorn_command(port, workers=1), health_url=f"{url}/v2/health/ready", env=env):
        monkeypatch.setenv("API_URL", url)
        app = run_app(CLIENT_APP, lang="pt-BR")
        assert [box.label for box in app.selectbox] == ["Companhia aérea", "De", "Para"]
        assert app.number_input[0].label == "Distância (milhas)"
        app.button[0].click().run()
    assert not app.exception and not app.error
    flight = {
        "carrier": "UA",
        "origin": "EWR",
        "dest": "ORD",
        "sched_dep": datetime(2013, 7, 15, 17, 30),
        "distance": 719,
    }
    expected = Predictor.from_registry(registry=app_registry).predict_one(flight)
    assert app.metric[0].label == "Chance de chegar com 15 minutos ou mais de atraso"
    assert app.metric[0].value == PT.number(expected, ".0%")
    assert app.caption[-1].value.startswith("versão do modelo 1 · requisição ")


# -- the contract's messages ----------------------------------------------------------------------------------
BAD_RECORDS = {
    "missing": ({k: v for k, v in FLIGHT.items() if k != "dest"}, "dest", "é obrigatório"),
    "null number": (FLIGHT | {"distance": None}, "distance", "é obrigatório e não pode ser nulo nem NaN"),
    "not text": (FLIGHT | {"carrier": 7}, "carrier", "deve ser um texto não vazio (recebido: int)"),
    "too long": (FLIGHT | {"carrier": "X" * 40}, "carrier", "deve ter no máximo 16 caracteres"),
    "unknown": (FLIGHT | {"origin": "XXX"}, "origin", "valor desconhecido 'XXX'; o modelo conhece 3 valores"),
    "not a number": (FLIGHT | {"distance": "719"}, "distance", "deve ser um número (recebido: str)"),
    "not finite": (FLIGHT | {"distance": math.inf}, "distance", "deve ser um número finito"),
    "out of range": (FLIGHT | {"distance": 0.5}, "distance", "deve estar entre 1 e 30000"),
    "not a time": (
        FLIGHT | {"sched_dep": "tomorrow"},
        "sched_dep",
        "deve ser uma data e hora ISO 8601 (recebido: 'tomorrow')",
    ),
    "time of a wrong type": (
        FLIGHT | {"sched_dep": 20130715},
        "sched_dep",
        "deve ser uma data e hora ISO 8601 (recebido: int)",
    ),
    "outside the clock": (
        FLIGHT | {"sched_dep": "0001-01-01T00:00:00+05:00"},
        "sched_dep",
        "está fora do intervalo de datas que o modelo consegue situar no horário de Nova York",
    ),
    "not a field": ({**FLIGHT, "distnace": 1}, "distnace", "não é um campo de entrada"),
}


@pytest.mark.parametrize(("record", "field", "portuguese"), BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_the_contract_says_what_is_wrong_in_portuguese_and_in_english(
    record: dict, field: str, portuguese: str
) -> None:
    known = {"origin": frozenset({"EWR", "JFK", "LGA"})}
    with pytest.raises(InputError) as raised:
        validate_record(record, "reference", known, other_keys=False)
    error = raised.value
    assert error.field == field  # the field's name is the same in both languages
    assert error.translated(PT) == portuguese
    assert error.translated(Translator()) == error.message != portuguese  # English: the API's error body
    assert str(error) == f"{field}: {error.message}"


def test_the_contract_translates_a_record_that_is_not_a_mapping() -> None:
    with pytest.raises(InputError) as raised:
        validate_record(["UA"], "reference")
    assert raised.value.translated(PT) == "deve ser um mapeamento de campo para valor (recebido: list)"
    assert raised.value.message == "must be a mapping of field to value, got list"


def test_a_weather_bound_is_written_the_brazilian_way() -> None:
    temp = next(field for field in INPUT_FIELDS["weather"] if field.name == "temp")
    with pytest.raises(InputError) as raised:
        validate_record(FLIGHT | dict.fromkeys(["dewp", "humid"]) | {"temp": 1e7}, "weather")
    assert raised.value.field == "temp"
    assert raised.value.translated(PT) == f"deve estar entre {temp.minimum:g} e {temp.maximum:g}".replace(".", ",")


# -- the browser helpers ----------------------------------------------------------------------------------------
def test_page_urls_carry_the_language() -> None:
    base = "http://127.0.0.1:8501/"
    assert page_url(base, language="en") == base
    assert page_url(base, "origin=JFK", "en") == f"{base}?origin=JFK"
    assert page_url(base, language="pt-BR") == f"{base}?lang=pt-BR"
    assert page_url(base, "origin=JFK", "pt-BR") == f"{base}?origin=JFK&lang=pt-BR"


def test_the_browser_helpers_follow_the_notebooks_language() -> None:
    try:
        i18n.set_language("pt-BR")  # a pt-BR notebook's setup cell
        assert page_url("http://x/") == "http://x/?lang=pt-BR"
    finally:
        i18n.set_language("en")
    assert page_url("http://x/") == "http://x/"


def test_the_link_to_a_flight_keeps_a_language_other_than_english() -> None:
    record = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": datetime(2013, 7, 15, 8, 30)}
    assert core.flight_query(record) == "carrier=UA&origin=EWR&dest=ORD&date=2013-07-15&time=08:30"
    assert core.flight_query(record, "pt-BR").endswith("&time=08:30&lang=pt-BR")


def test_the_texts_the_browser_looks_for_start_the_same_way_in_the_page() -> None:
    """The browser finds the model version and the link by the words before their value: keep them apart."""
    for translate in (Translator(), PT):
        caption = translate(core.MODEL_CAPTION, version=7, spec="reference", rows=10, auc=0.5)
        assert caption.startswith(translate(core.MODEL_CAPTION).split("{version}")[0] + "7")
        link = translate(core.LINK_CAPTION, query="origin=JFK")
        assert link.endswith("`?origin=JFK`")


# -- the catalogs -----------------------------------------------------------------------------------------------
def test_every_text_of_the_apps_has_a_portuguese_translation(load_tool) -> None:
    translate = load_tool("translate")
    problems = []
    for folder, sources in (("architectures", APP_SOURCES), ("shared", SHARED_SOURCES)):
        texts = [text for text in translate.package_texts(folder).texts if text.where.startswith(sources)]
        assert texts, f"no _() text found in {sources}"
        problems += translate.catalog_problems(translate.package_catalog(folder), texts)
    assert problems == []


def test_the_portuguese_texts_keep_the_english_fields(load_tool) -> None:
    """A translation that drops or renames a {field} would raise at run time, or lose a value."""
    translate = load_tool("translate")
    texts = [text for text in translate.package_texts("architectures").texts if text.where.startswith(APP_SOURCES)]
    for text in texts:
        assert translate.fields(PT(text.msgid)) == translate.fields(text.msgid), text.msgid
        assert PT(text.msgid) != text.msgid, f"{text.msgid!r} reads the same in Portuguese"


def test_the_apps_get_their_own_translations_at_run_time(load_tool) -> None:
    """The catalogs are merged at run time: the same English text translated another way elsewhere would win."""
    import polib

    translate = load_tool("translate")
    looked_up = i18n.catalog("pt-BR")
    for folder in ("architectures", "shared"):
        for entry in polib.pofile(str(translate.package_catalog(folder))):
            if entry.msgstr and not entry.obsolete and entry.msgctxt is None:
                assert looked_up[entry.msgid] == entry.msgstr, entry.msgid
