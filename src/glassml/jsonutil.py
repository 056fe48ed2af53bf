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


def finite_json(obj: Any) -> Any:
    """A JSON-safe copy of ``obj`` for strict JSON (the manifest): non-finite floats become
    ``None``, numpy scalars and arrays plain numbers and lists, tuples lists."""
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return finite_json(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
