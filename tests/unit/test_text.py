"""One spelling for identifying text (domain.text): invisible and compatibility forms fold,
bidi controls are refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import errors
from domain.text import BIDI_CONTROLS, _ignorable, _visible, identifying, normal_form, search_form

# Characters that change nothing a reader sees: format characters (Cf) and variation selectors.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u2060", "\u2063", "\ufeff", "\u00ad", "\u180e",
             "\ufe0f", "\ufe00", "\U000e0100", "\u034f", "\U000e0041"]
# Identifying text as typed: CJK, ASCII letters and digits, single inner spaces.
BASES = st.text(st.sampled_from("城关镇石桥河口青山豆腐坊ABCXYZabcxyz0123456789-"), min_size=1, max_size=12)


def full_width(c: str) -> str:
    """The full-width form of a printable ASCII character (U+FF01-U+FF5E), else the character."""
    return chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(a base, the same base with invisible characters inserted and some characters full-width)."""
    base = draw(BASES)
    out = [draw(st.sampled_from(["", " ", "\u3000", "\u00a0"]))]
    for c in base:
        out.append(full_width(c) if draw(st.booleans()) else c)
        out.append("".join(draw(st.lists(st.sampled_from(INVISIBLE), max_size=2))))
    out.append(draw(st.sampled_from(["", " ", "\u3000", "\t"])))
    return base, "".join(out)


@given(spellings())
def test_any_spelling_with_invisible_or_full_width_characters_is_the_same_text(pair):
    base, spelled = pair
    assert identifying(spelled, "town") == identifying(base, "town") == base.strip()
    assert search_form(spelled) == search_form(base)


@given(st.text())
def test_the_normal_form_is_stable_and_holds_no_format_character(text):
    once = normal_form(text)
    assert normal_form(once) == once
    assert not any(unicodedata.category(c) == "Cf" for c in once)
    assert once == once.strip() and "  " not in once


# Printable yet invisible: variation selectors, the combining grapheme joiner, Hangul fillers.
PRINTABLE_INVISIBLE = ["\ufe0f", "\ufe00", "\U000e0100", "\u034f", "\u115f", "\u3164", "\uffa0"]


@given(st.one_of(st.text(), st.text(st.sampled_from(list("城关镇 AB1") + PRINTABLE_INVISIBLE)),
                 st.text(st.sampled_from(list("城关镇 AB1") + INVISIBLE + PRINTABLE_INVISIBLE))))
def test_the_shortcut_for_printable_text_drops_what_a_test_per_character_drops(text):
    # domain.text._visible skips the per-character test when a text is printable and holds no
    # invisible mark; it must give what that test gives, for any text.
    reference = "".join(c for c in unicodedata.normalize("NFKC", text) if not _ignorable(c))
    assert _visible(text) == reference


def test_fifteen_spellings_of_one_town_are_one_town():
    spelled = {identifying(t, "town") for t in TOWN_SPELLINGS}
    assert len(set(TOWN_SPELLINGS)) == 15 and spelled == {"城关镇"}


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_a_bidirectional_override_embedding_or_isolate_is_refused_naming_the_field(control):
    with pytest.raises(errors.BidiControl) as refused:
        identifying(f"城关{control}镇", "name")
    assert refused.value.field == "name" and f"U+{ord(control):04X}" in refused.value.detail


def test_full_width_digits_and_letters_in_a_credit_code_are_the_code():
    assert identifying("９１４３０１１１ＭＡ４Ｌ４１ＹＴ１Ｕ", "credit_code") == "91430111MA4L41YT1U"


# One town, 15 spellings (issue 10): each registered as its own town before normalisation.
TOWN_SPELLINGS = [
    "城关镇", "城关镇\u200b", "\ufeff城关镇", "城关镇\u2060", "城关镇\ufe0f", "城\u00ad关镇", "城关\u200c镇",
    "城关\u200d镇", "\u200e城关镇", "城关镇\u3000", "\u00a0城关镇", "城关镇\ufe00", "城关\u2063镇", "城\u034f关镇",
    " 城关镇 ",
]
