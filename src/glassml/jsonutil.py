"""JSON for glassml's records: numpy scalars and arrays become plain numbers and lists."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def json_default(obj: Any) -> Any:
    """``json.dumps(default=...)`` hook: numpy values to Python, anything else to ``str``."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def dumps(payload: Any) -> str:
    """Indented JSON text ending in a newline."""
    return json.dumps(payload, indent=1, default=json_default) + "\n"
