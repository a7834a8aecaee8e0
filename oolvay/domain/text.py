"""Rules for text that people type and the database keeps."""

from __future__ import annotations

from typing import Any

from oolvay.domain.errors import InvalidInput


def no_nul(_instance: object, attribute: Any, value: str) -> None:
    """An attrs validator: NUL is never text (PostgreSQL refuses it in a text column)."""
    if "\x00" in value:
        raise InvalidInput(attribute.name, "must not contain NUL characters")
