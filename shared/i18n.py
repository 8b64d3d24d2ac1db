"""The series in English (the source) or in Brazilian Portuguese: look up a text, format its numbers.

The English text is the message id, as in gettext: the Portuguese texts live in the PO catalogs under
``locale/pt_BR/`` (one per notebook, one for the package and the apps; see docs/authoring.md), read
with polib. A text without a translation comes out in English.

In a notebook (one learner per kernel), the language is set once in the setup cell::

    set_language("en")
    print(_("{rows:,} flights", rows=len(flights)))   # "336,776 flights" / "336.776 voos"

A server with many users (a Streamlit app) keeps one ``Translator`` per page view instead, in the
language ``page_language`` reads from the page's ``?lang=`` (or ``$SHIPPING_MODELS_LANGUAGE``).

A message made where its reader's language is unknown (an ``InputError`` raised by the contract) is
marked with ``marked`` (imported as ``_``, so the catalogs see it), kept in English, and translated
where it is shown.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from functools import cache
from numbers import Number
from typing import Any

from shared.paths import PROJECT_ROOT

ENGLISH, PORTUGUESE = "en", "pt-BR"
LANGUAGES = (ENGLISH, PORTUGUESE)
LANGUAGE_ENV = "SHIPPING_MODELS_LANGUAGE"
"""Environment variable giving the apps' default language (``streamlit run``), overridden by ``?lang=``."""
LOCALE_DIR = PROJECT_ROOT / "locale"
CATALOG_DIRS = {PORTUGUESE: LOCALE_DIR / "pt_BR"}
# Brazilian numbers: 1.234,5 where English writes 1,234.5
SEPARATORS = {ENGLISH: str.maketrans({}), PORTUGUESE: str.maketrans({",": ".", ".": ","})}


def check_language(language: str) -> str:
    """Return ``language`` if the series speaks it; otherwise raise ValueError naming the choices."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    return language


def match_language(value: str) -> str | None:
    """The series' language that ``value`` names (``pt-BR``, ``pt_br``, ``pt``, ``en-US``...), or ``None``."""
    wanted = value.strip().replace("_", "-").lower()
    for known in LANGUAGES:
        if wanted == known.lower():
            return known
    primary = wanted.split("-")[0]
    return next((known for known in LANGUAGES if known.split("-")[0].lower() == primary), None)


def page_language(requested: str | None, environ: Mapping[str, str] = os.environ) -> tuple[str, str | None]:
    """The language of one page view, and the value asked for when the series does not speak it.

    ``requested`` (the page's ``?lang=``) wins over ``$SHIPPING_MODELS_LANGUAGE``; with neither, English.
    An unknown value gives English and itself back, so the page can say why it is in English.
    """
    asked = requested if requested and requested.strip() else environ.get(LANGUAGE_ENV, "").strip() or ENGLISH
    chosen = match_language(asked)
    return (chosen, None) if chosen else (ENGLISH, asked)


def unknown_language_note(asked: str) -> str:
    """Why a page asked in ``asked`` is in English, said in every language of the series (one per line)."""
    lines = []
    for language in LANGUAGES:
        _ = Translator(language)
        lines.append(
            _(
                "Unknown language {asked!r}: this page is in English (languages: {choices}).",
                asked=asked,
                choices=", ".join(LANGUAGES),
            )
        )
    return "  \n".join(lines)


def marked(message: str, /) -> str:
    """``message`` unchanged: marks it for the catalogs (import it as ``_``), to be translated where it is shown."""
    return message


@cache
def catalog(language: str) -> Mapping[str, str]:
    """Every translated text of ``language``: English message id -> translation (empty for English).

    Only the entries without a context (texts of code) are read; notebook cells are translated when the
    notebooks are built, not at run time. Fuzzy (outdated) and empty translations are left out.
    """
    import polib

    folder = CATALOG_DIRS.get(check_language(language))
    texts: dict[str, str] = {}
    if folder is None:
        return texts
    for path in sorted(folder.rglob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgctxt is None and entry.msgstr and not entry.fuzzy and not entry.obsolete:
                texts[entry.msgid] = entry.msgstr
    return texts


class NumberFormatter(string.Formatter):
    """``str.format`` that writes numbers the way ``language`` does (thousands and decimal separators)."""

    def __init__(self, language: str) -> None:
        self.separators = SEPARATORS[check_language(language)]

    def format_field(self, value: Any, format_spec: str) -> str:
        text = format(value, format_spec)
        if isinstance(value, Number) and not isinstance(value, bool):
            return text.translate(self.separators)
        return text


class Translator:
    """The texts of one language: ``t("text")`` translates, ``t("{n:,} rows", n=n)`` also formats."""

    def __init__(self, language: str = ENGLISH) -> None:
        self.language = check_language(language)
        self.formatter = NumberFormatter(self.language)

    def __call__(self, message: str, /, **values: Any) -> str:
        text = catalog(self.language).get(message, message)
        return self.formatter.vformat(text, (), values) if values else text

    def number(self, value: float, format_spec: str = "") -> str:
        """One number written the language's way: ``number(1234.5, ",.1f")`` -> ``"1.234,5"`` in pt-BR."""
        return self.formatter.format_field(value, format_spec)


_current = Translator(ENGLISH)


def set_language(language: str) -> None:
    """The language of this process's texts (a notebook's setup cell calls it once).

    It is also exported as ``$SHIPPING_MODELS_LANGUAGE``, so the programs a notebook starts (a predictor,
    the batch job) print in the notebook's language: they call ``use_environment_language()``.
    """
    global _current
    _current = Translator(language)
    os.environ[LANGUAGE_ENV] = language


def use_environment_language(environ: Mapping[str, str] = os.environ) -> None:
    """A program's texts in ``$SHIPPING_MODELS_LANGUAGE`` when it names a language of the series (else English)."""
    global _current
    _current = Translator(match_language(environ.get(LANGUAGE_ENV, "")) or ENGLISH)


def language() -> str:
    """The language set by ``set_language`` (English until then)."""
    return _current.language


def _(message: str, /, **values: Any) -> str:
    """``message`` in the current language; with ``values``, formatted with the language's numbers."""
    return _current(message, **values)


def number(value: float, format_spec: str = "") -> str:
    """``value`` formatted with ``format_spec`` and the current language's separators."""
    return _current.number(value, format_spec)
