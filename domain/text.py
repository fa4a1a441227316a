"""Text in commands: what a record can hold faithfully, and one spelling for what identifies.

Identifying text (a town, a name, a credit code, an order, licence or sample number) is
compared for equality: a town written with a zero-width space, a BOM or full-width
letters must be the same town. `identifying` gives every such value one form at the
domain's boundary; free text (notes, reasons) is kept as typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from domain import errors

# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F), less tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI,
# PDI): they make a name display in another order than it is stored ("Trojan Source").
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

# Invisible characters that are not format characters (category Cf) but still change
# nothing a reader sees: variation selectors (Mn) and the combining grapheme joiner.
_INVISIBLE_MARKS = frozenset(
    chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0)
)
_SPACES = re.compile(r"\s+")


def refuse_control_characters(arguments: dict[str, Any]) -> None:
    """Text no record can hold faithfully (NUL and other control characters) is refused.

    Called with a command's arguments; tabs and line breaks are fine in notes.
    """
    for name, value in arguments.items():
        texts = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        for text in texts:
            if isinstance(text, str) and _CONTROL.search(text):
                raise errors.ControlCharacters(f"{name} 含有控制字符 (contains control characters)", field=name)


def _ignorable(c: str) -> bool:
    return c in _INVISIBLE_MARKS or unicodedata.category(c) == "Cf"


def _visible(text: str) -> str:
    """NFKC (full-width and compatibility forms folded), then every invisible character dropped."""
    folded = unicodedata.normalize("NFKC", text)
    # Almost every text has nothing to drop: format characters (Cf) are never printable, so a
    # printable text needs only the marks looked for, in C, instead of a test per character.
    if folded.isprintable() and _INVISIBLE_MARKS.isdisjoint(folded):
        return folded
    return "".join(c for c in folded if not _ignorable(c))


def normal_form(text: str) -> str:
    """The one spelling of an identifying text: NFKC, zero-width and format characters
    (Unicode category Cf: zero-width spaces and joiners, BOM, word joiner, soft hyphen,
    bidi marks) and variation selectors dropped, runs of white space one space, trimmed.
    Never refuses; see `identifying`."""
    # NFKC again after dropping: a dropped character may have kept a pair from composing.
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", _visible(text or ""))).strip()


def identifying(text: str | None, field: str) -> str:
    """`normal_form` of a value that identifies something; bidirectional controls are refused, naming the field."""
    text = text or ""
    found = sorted({c for c in text if c in BIDI_CONTROLS})
    if found:
        codes = ", ".join(f"U+{ord(c):04X}" for c in found)
        raise errors.BidiControl(
            f"{field} 含有双向文本控制字符 {codes} (contains bidirectional control characters: {codes})", field=field)
    return normal_form(text)


def search_form(text: str) -> str:
    """Text as search compares it: NFKC (full-width and compatibility forms folded), format
    characters (zero-width spaces, joiners, BOMs, soft hyphens) and variation selectors dropped, trimmed, lower case.

    A query matches a name when the query's search form occurs, literally, in the name's.
    """
    return _visible(text).strip().lower()
