"""Loose matching of evidence phrases (quotes, numbers) inside free text."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^\w%]+")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b)")


def normalise_phrase(text: str) -> str:
    """Case-fold, drop punctuation (keeping %), collapse whitespace."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def numbers_in(text: str) -> tuple[set[str], set[str]]:
    """(plain numbers, percentages) found in ``text``; thousands separators removed."""
    plain: set[str] = set()
    percent: set[str] = set()
    for match in _NUMBER.finditer(text):
        value = match.group().replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        is_percent = _PERCENT_AFTER.match(text, match.end()) is not None
        (percent if is_percent else plain).add(value)
    return plain, percent


def phrase_present(phrase: str, text: str) -> bool:
    """True if ``phrase`` appears in ``text`` word-for-word (ignoring case and punctuation),
    or, for a phrase built on numbers, if its numbers all appear in the text.

    The numeric fallback accepts "42 of your 50 seats" for the phrase "42 of 50 seats (84%)":
    plain numbers decide when the phrase has any, percentages otherwise. A lone number below
    10 is too common to count on its own.
    """
    wanted = normalise_phrase(phrase)
    if not wanted:
        return False
    if f" {wanted} " in f" {normalise_phrase(text)} ":
        return True
    plain, percent = numbers_in(phrase)
    needed = plain or percent
    if not needed or (len(needed) == 1 and float(next(iter(needed))) < 10):
        return False
    have_plain, have_percent = numbers_in(text)
    return needed <= (have_plain if plain else have_percent)
