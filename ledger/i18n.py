"""Vietnamese and English texts of the ledger: messages and screen labels, looked up by key.

The texts are one gettext catalogue per language, ``ledger/locale/<lang>/LC_MESSAGES/ledger.po``
(msgid = the key, msgstr = the text with its ``{name}`` placeholders), which a translator opens in
any PO editor. ``t`` reads a catalogue with Babel the first time it needs it and keeps it for the
life of the process; nothing registers texts at import time, so a module sees every text whatever
else was imported. Labels of code lists are not texts of the catalogue: ``ledger.domain.codes``.

Vietnamese is the default language; English is the switch. A missing English text falls back to
Vietnamese, a missing key shows the key itself (visible in tests, never a crash).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "ledger"
# msgctxt of the field names that services pass as ``what=`` (written in Vietnamese): their names
# in the catalogue's language.
FIELD_CONTEXT = "field"


@dataclass(frozen=True)
class Catalogue:
    texts: Mapping[str, str]
    fields: Mapping[str, str]


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _load(lang: str) -> Catalogue:
    # Parsing the .po directly (about 3 ms a catalogue) rather than compiling a .mo to load with
    # gettext (0.5 ms, but a generated file to keep fresh and a writable place to put it): once per
    # process, the difference does not pay for the machinery.
    with catalogue_path(lang).open("rb") as fh:
        parsed = read_po(fh, domain=DOMAIN, ignore_obsolete=True)
    texts: dict[str, str] = {}
    fields: dict[str, str] = {}
    for message in parsed:
        # Gettext's rule: an untranslated (empty) or fuzzy entry is not used, the fallback is.
        if not message.id or not message.string or message.fuzzy:
            continue
        (fields if message.context == FIELD_CONTEXT else texts)[message.id] = message.string
    return Catalogue(texts=MappingProxyType(texts), fields=MappingProxyType(fields))


def catalogue(lang: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue of ``lang`` (read once per process); an unknown language is the default one."""
    return _load(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def keys(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Every key that has a text of its own in ``lang`` (no fallback)."""
    return frozenset(catalogue(lang).texts)


def has_key(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    """Whether ``key`` has a text of its own in ``lang`` (no fallback)."""
    return key in catalogue(lang).texts


def template(key: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The text of ``key`` in ``lang`` with its placeholders unfilled, or None (no fallback)."""
    return catalogue(lang).texts.get(key)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``lang``, with ``params`` filled in."""
    found = catalogue(lang)
    if isinstance(params.get("what"), str):
        params["what"] = found.fields.get(params["what"], params["what"])
    text = found.texts.get(key) or catalogue(DEFAULT_LANGUAGE).texts.get(key)
    if text is None:
        return key
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
