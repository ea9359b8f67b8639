"""Plain data -> JSON, for `--json` output and exports that scripts read."""

import dataclasses
import json
from datetime import datetime
from enum import Enum
from typing import Any


def to_data(value: Any) -> Any:
    """Dataclasses, datetimes and enums as JSON-ready dicts, ISO 8601 strings and values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_data(item) for key, item in value.items()}
    return value


def to_json(value: Any) -> str:
    return json.dumps(to_data(value), ensure_ascii=False, indent=2)
