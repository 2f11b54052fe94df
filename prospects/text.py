"""The canonical form of text people type or paste (pure; used by the import and by the forms, so
that a value exported and imported back is the same value).

Pasted text (web pages, WeChat, PDFs) often carries invisible characters: zero-width spaces and
joiners, the byte-order mark, the word joiner, soft hyphens. They make "上海大众" and "上海大众\u200b"
two different companies to a computer and identical to a person, so they are removed. Browsers
send line breaks as CR LF and Excel as LF: both are stored as LF."""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
_LINE_BREAK = re.compile(r"\r\n?")


def strip_invisible(text: str) -> str:
    # isprintable() (C speed) is False for every character removed here: most text skips the regex.
    return text if text.isprintable() else _INVISIBLE.sub("", text)


def clean_text(text: str | None) -> str:
    """Invisible characters removed, line breaks as LF, surrounding white space trimmed."""
    if not text:
        return ""
    if text.isprintable():  # no line break, no invisible character: the common cell
        return text.strip()
    return _LINE_BREAK.sub("\n", _INVISIBLE.sub("", text)).strip()


def clean_name(text: str | None) -> str:
    """A one-line name: `clean_text` with every run of white space (line breaks too) as one space.
    Full-width characters stay as written (the matching key folds them, not the name)."""
    return " ".join(clean_text(text).split())
