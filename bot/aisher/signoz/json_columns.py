"""Reading SigNoz's JSON-typed columns back as the flat strings the older columns hold.

Queries select these columns through `toJSONString`, because Python drivers do not decode
ClickHouse's JSON type. ClickHouse prints a JSON column nested at every dot of its paths: the
resource `{"service.name": "checkout"}` comes back as `{"service": {"name": "checkout"}}`.
`flatten_json_object` joins the paths again, the shape of `resources_string`.

`body_v2` and `body_promoted` (logs 2001) hold a structured log body when the collector runs with
`body_json_enabled`: the map body goes to `body_v2`, the paths promoted for fast search are
moved out of it into `body_promoted`, and `body` stays ''. `structured_body` puts the two halves
together again as the JSON text `body` would have held.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def flatten_json_object(text: str) -> dict[str, str]:
    """A JSON object's leaves by dotted path, each as a string; {} for '' or anything else."""
    return {path: as_text(value) for path, value in _leaves(_load_object(text), "")}


def structured_body(body_v2: str, body_promoted: str = "") -> str:
    """The JSON text of a log body split over `body_v2` and `body_promoted`; '' if both empty."""
    body = _load_object(body_v2)
    if body.get("message") == "":
        # `message` is a typed path of body_v2: it reads '' on every row that had none.
        del body["message"]
    for path, value in _leaves(_load_object(body_promoted), ""):
        _put(body, path, value)
    if not body:
        return ""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _load_object(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _leaves(value: Mapping[str, Any], prefix: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(item, dict) and item:
            found.extend(_leaves(item, path))
        else:
            found.append((path, item))
    return found


def as_text(value: object) -> str:
    """A JSON leaf as the string the map columns would hold: strings as they are, else JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _put(body: dict[str, Any], path: str, value: object) -> None:
    """Set a dotted path in nested objects, creating the objects on the way."""
    parts = path.split(".")
    node = body
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value
