"""Salesforce-shaped record ids: 15 case-sensitive chars plus the 3-char suffix.

The suffix makes ids case-insensitively unique (the "18-char id"); clients
may send either form, so lookups normalise to 18 characters.
"""

from __future__ import annotations

import itertools
import secrets
import string

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"

KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Task": "00T",
    "User": "005",
    "Organization": "00D",
}
_PREFIX_TO_OBJECT = {prefix: name for name, prefix in KEY_PREFIXES.items()}


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return "".join(reversed(chars))


def suffix(id15: str) -> str:
    out = []
    for chunk in range(3):
        bits = 0
        for pos, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(record_id: str) -> str:
    """Return the 18-char form, or the input unchanged if it is not an id."""
    if len(record_id) == 15 and record_id.isalnum():
        return record_id + suffix(record_id)
    return record_id


def looks_like_id(value: str) -> bool:
    return len(value) in (15, 18) and value.isalnum()


def object_for_id(record_id: str) -> str | None:
    return _PREFIX_TO_OBJECT.get(record_id[:3])


class IdFactory:
    """Sequential ids per key prefix, with a pod-like middle part like real orgs."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        # A random pod part keeps ids from two emulator runs from colliding in logs.
        self._pod = _base62(secrets.randbelow(62**3), 3)

    def new(self, prefix: str) -> str:
        id15 = prefix + self._pod + _base62(next(self._counter), 9)
        return id15 + suffix(id15)

    def fixed(self, prefix: str, number: int) -> str:
        """A deterministic id (e.g. the org and the integration user)."""
        id15 = prefix + "000" + _base62(number, 9)
        return id15 + suffix(id15)

    def token(self, prefix: str, length: int = 15) -> str:
        body = "".join(secrets.choice(_BASE62) for _ in range(length - len(prefix)))
        return prefix + body
