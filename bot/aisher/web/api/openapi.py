"""The OpenAPI 3.1 document of the REST API, generated from the route table and its models.

Each `Operation` names the pydantic models its handler validates (body, query string) and
answers with; their JSON schemas (draft 2020-12, which OpenAPI 3.1 uses as is) become
`components/schemas`, referenced with `#/components/schemas/<Model>`. Nothing is written by
hand twice: a field added to a model shows in the document, and the route table that installs
the routes is the one described here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from aisher import __version__
from aisher.web.api.models import ErrorResponse

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "apiKey"
_PATH_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What each error status means on this API; the `code` in the body tells more.
ERROR_MEANINGS = {
    400: "bad_request or bad_window: the request cannot be answered as sent",
    401: "unauthorized: no API key, or not one of AISHER_API_KEYS",
    403: "api_disabled: the server has no AISHER_API_KEYS configured",
    404: "not_found or unknown_service (with suggestions)",
    413: "payload_too_large",
    429: "rate_limited: too many requests with this key; wait Retry-After seconds",
    500: "internal_error",
    503: "unavailable: the trace store could not answer; wait Retry-After seconds",
}
# Every authenticated operation can answer these.
GUARD_ERRORS = (401, 403, 429, 500)
_RATE_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "requests allowed per key per minute",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "requests left in the current minute",
        "schema": {"type": "integer"},
    },
}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}


@dataclass(frozen=True, slots=True)
class Operation:
    """One route as the document describes it."""

    method: Literal["GET", "POST"]
    path: str
    operation_id: str
    summary: str
    responses: tuple[type[BaseModel], ...]  # the 200 body; several: any of them; none: any object
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    authenticated: bool = True

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def openapi_document(operations: Sequence[Operation], *, title: str = "Aisher") -> dict[str, Any]:
    """The OpenAPI 3.1 document describing `operations`."""
    refs, components = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, refs)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{title} REST API",
            "version": __version__,
            "description": (
                "Explain why a service fails from its SigNoz traces and logs. Every operation "
                "but this document needs `Authorization: Bearer <key>` with one of the keys "
                "in the server's AISHER_API_KEYS, and is rate limited per key."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "one of the keys in AISHER_API_KEYS",
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }


def _schemas(
    operations: Sequence[Operation],
) -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """A `$ref` per model, and every schema under the names the refs use."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
        (ErrorResponse, "serialization"): None
    }
    for operation in operations:
        for model in operation.responses:
            wanted[(model, "serialization")] = None
        if operation.body is not None:
            wanted[(operation.body, "validation")] = None
    keyed, top = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
    refs = {
        model: schema for (model, _mode), schema in keyed.items() if issubclass(model, BaseModel)
    }
    return refs, dict(top.get("$defs", {}))


def _operation(operation: Operation, refs: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "parameters": _path_parameters(operation.path) + _query_parameters(operation.query),
        "responses": _responses(operation, refs),
    }
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[operation.body]}},
        }
    if not operation.authenticated:
        described["security"] = []
    if not described["parameters"]:
        del described["parameters"]
    return described


def _responses(operation: Operation, refs: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    bodies = [refs[model] for model in operation.responses]
    if not bodies:  # a free-form document (this one)
        schema: dict[str, Any] = {"type": "object"}
    else:
        schema = bodies[0] if len(bodies) == 1 else {"anyOf": bodies}
    success: dict[str, Any] = {
        "description": "success",
        "content": {"application/json": {"schema": schema}},
    }
    if operation.authenticated:
        success["headers"] = _RATE_HEADERS
    responses: dict[str, Any] = {"200": success}
    statuses = sorted({*operation.errors, *(GUARD_ERRORS if operation.authenticated else (500,))})
    for status in statuses:
        error: dict[str, Any] = {
            "description": ERROR_MEANINGS[status],
            "content": {"application/json": {"schema": refs[ErrorResponse]}},
        }
        if status == 401:
            error["headers"] = {
                "WWW-Authenticate": {
                    "description": "Bearer challenge",
                    "schema": {"type": "string"},
                }
            }
        if status in (429, 503):
            error["headers"] = _RETRY_AFTER
        responses[str(status)] = error
    return responses


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(path)
    ]


def _query_parameters(query: type[BaseModel] | None) -> list[dict[str, Any]]:
    if query is None:
        return []
    schema = query.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", ()))
    parameters = []
    for name, declared in schema.get("properties", {}).items():
        field_schema = {key: value for key, value in declared.items() if key != "title"}
        description = field_schema.pop("description", "")
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field_schema,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters
