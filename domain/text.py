"""Free text in commands: what a record can hold faithfully."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from domain import errors

# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F), less tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(arguments: dict[str, Any]) -> None:
    """Text no record can hold faithfully (NUL and other control characters) is refused.

    Called with a command's arguments; tabs and line breaks are fine in notes.
    """
    for name, value in arguments.items():
        texts = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        for text in texts:
            if isinstance(text, str) and _CONTROL.search(text):
                raise errors.ControlCharacters(f"{name} 含有控制字符 (contains control characters)", field=name)


def search_form(text: str) -> str:
    """Text as search compares it: NFKC (full-width and compatibility forms folded), format
    characters (zero-width spaces, joiners, BOMs, soft hyphens) dropped, lower case.

    A query matches a name when the query's search form occurs, literally, in the name's.
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").lower()
