"""Time invariants shared by entities."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def require_aware(_instance: Any, attribute: Any, value: Any) -> None:
    """attrs validator: datetimes in the domain are timezone-aware (UTC by convention)."""
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be timezone-aware, got {value!r}")
