"""How values are written into text columns (shared by every table's SQL)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def to_json(value: Mapping[str, Any]) -> str:
    """JSON text for a detail column (readable Chinese, stable key order)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
