"""The language layer: translations looked up by their English text, numbers written the language's way."""

from __future__ import annotations

import pytest

from shared import i18n


@pytest.fixture
def portuguese(monkeypatch):
    """A tiny Portuguese catalog in place of the project's."""
    texts = {"{rows:,} flights": "{rows:,} voos", "late rate": "taxa de atraso"}
    monkeypatch.setattr(i18n, "catalog", lambda language: texts if language == i18n.PORTUGUESE else {})
    return i18n.Translator(i18n.PORTUGUESE)


def test_english_is_the_source_and_formats_numbers_the_english_way():
    _ = i18n.Translator()
    assert _("late rate") == "late rate"
    assert _("{rows:,} flights in {share:.1%}", rows=336776, share=0.2185) == "336,776 flights in 21.9%"


def test_portuguese_translates_and_writes_brazilian_numbers(portuguese):
    assert portuguese("late rate") == "taxa de atraso"
    assert portuguese("{rows:,} flights", rows=1234567) == "1.234.567 voos"
    assert portuguese.number(1234.5, ",.1f") == "1.234,5"


def test_a_text_without_translation_stays_english_and_strings_keep_their_dots(portuguese):
    assert portuguese("model {name} v{version}", name="v1.2", version=3) == "model v1.2 v3"


def test_without_values_braces_are_left_alone(portuguese):
    assert portuguese("{not a field}") == "{not a field}"


def test_set_language_changes_the_current_language(portuguese):
    try:
        i18n.set_language("pt-BR")
        assert i18n.language() == "pt-BR"
        assert i18n._("late rate") == "taxa de atraso"
        assert i18n.number(0.5, ".0%") == "50%"
    finally:
        i18n.set_language("en")
    assert i18n._("late rate") == "late rate"


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown language 'pt'.*en, pt-BR"):
        i18n.Translator("pt")


def test_the_project_catalog_reads():
    assert isinstance(i18n.catalog("pt-BR"), dict)
    assert i18n.catalog("en") == {}


def test_durations_follow_the_language(portuguese):
    from shared.teaching import duration

    assert duration(1_600) == "1.6 ms"
    try:
        i18n.set_language("pt-BR")
        assert (duration(1_600), duration(23.4), duration(4_100_000)) == ("1,6 ms", "23 µs", "4,1 s")
    finally:
        i18n.set_language("en")


def test_programs_started_by_a_notebook_print_in_its_language(monkeypatch):
    from architectures.batch.job import DayResult

    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")  # restored after the test
    try:
        i18n.set_language("pt-BR")
        assert i18n.os.environ[i18n.LANGUAGE_ENV] == "pt-BR"  # what a child process inherits
        i18n.use_environment_language({})
        assert i18n.language() == "en"
        i18n.use_environment_language({i18n.LANGUAGE_ENV: "pt_br"})
        assert i18n.language() == "pt-BR"
        day = DayResult("2013-07-09", "c8b8", 1, 1001, 1001, 0, input_sha256="", predictions_sha256="", seconds=0.1)
        expected = "2013-07-09 entrada 1.001 pontuadas 1.001 em quarentena 0 modelo v1 execução c8b8"
        assert str(day).split() == expected.split()
    finally:
        i18n.set_language("en")
