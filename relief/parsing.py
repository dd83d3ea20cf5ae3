"""Reading identifiers a client sent, before they reach the database."""

from __future__ import annotations

from typing import Any

#: The largest primary key the database stores (a signed 64-bit integer).
MAX_PK = 2**63 - 1


def as_pk(value: Any) -> int | None:
    """A primary key sent as a number or a string of digits; anything else (a list, "abc", a
    number too large for the column) is None, so the field answers its own error instead of the
    database raising."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())  # (ASCII only: str.isdigit accepts ², int() does not)
    if isinstance(value, int) and 0 < value <= MAX_PK:
        return value
    return None


def bounded_text(
    data: Any, name: str, max_length: int, errors: dict[str, str], *, key: str | None = None
) -> str:
    """The stripped text of ``data[name]``; longer than ``max_length`` is an error at the field
    (``key``, default ``name``), never cut short."""
    return checked_text(data.get(name), max_length, key or name, errors)


def checked_text(
    raw: Any, max_length: int, field: str, errors: dict[str, str], *, required: str = ""
) -> str:
    """``raw`` as stripped text; empty where ``required`` (that message) or longer than
    ``max_length`` is an error at ``field``, never cut short."""
    value = str(raw or "").strip()
    if required and not value:
        errors[field] = required
    elif len(value) > max_length:
        errors[field] = f"不能超过{max_length}个字（现为{len(value)}个字）"
    return value
