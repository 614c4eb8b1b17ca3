"""The control API described for the person or program that finds it: the index `GET /_sim`
answers and the OpenAPI 3.1 document at `GET /_sim/openapi.json`.

Both are drawn from `xtb.sim.control_spec` (the table `SimControl` registers its routes from, with
the shape of each answer) and from the running simulator (its venue name and the shapes of its own
settings), so they describe exactly the API that serves them. The schemas of answers that are engine
values are derived from the value classes themselves, so a new field is documented as it appears.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

from xtb.sim import answer_mutations
from xtb.sim.control_spec import (
    ANSWER_SCHEMAS,
    CONTROL_ROUTES,
    DECIMAL,
    MARKET_SETTING_FIELDS,
    REST_ACTIONS,
    REST_FAULT_FIELDS,
    STREAM_ACTIONS,
    STREAM_FAULT_FIELDS,
    VALUE_SCHEMAS,
    ControlRoute,
    FaultField,
    Field,
    closed_object,
    ref,
)
from xtb.sim.refusals import CONTROL_PREFIX

OPENAPI_VERSION = "3.1.0"
_JSON_TYPES = {str: "string", int: "integer", float: "number"}
_ERROR_REF = {"$ref": "#/components/responses/Error"}


def full_path(route: ControlRoute) -> str:
    return CONTROL_PREFIX + route.path


def index(venue: str, base_url: str) -> dict[str, Any]:
    """Every control route with its method, path and purpose; a GET that needs no input has an
    `href` to follow. `base_url` is the simulator's origin (`http://127.0.0.1:PORT`)."""
    routes = []
    for route in CONTROL_ROUTES:
        entry: dict[str, Any] = {"method": route.method, "path": full_path(route), "summary": route.summary}
        if route.method == "GET" and route.link and not route.path_params:
            entry["href"] = base_url + full_path(route)
        routes.append(entry)
    return {
        "venue": venue,
        "description": f"The {venue} simulator's control API: JSON in and out, money as exact decimal strings; "
        'a refused command answers 400 {"error": ...} and changes nothing.',
        "openapi": base_url + CONTROL_PREFIX + "/openapi.json",
        "routes": routes,
    }


def openapi(venue: str, base_url: str, venue_settings: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the control API. `venue_settings` are the JSON schemas of the
    front-end's own run settings (`FrontEnd.settings_schema()`): what PUT /settings takes besides
    `market`, and what GET /settings shows."""
    paths: dict[str, dict[str, Any]] = {}
    for route in CONTROL_ROUTES:
        paths.setdefault(full_path(route), {})[route.method.lower()] = _operation(route)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"xtb {venue} simulator control API",
            "version": "1",
            "description": "Steer a running simulator (`python -m xtb.sim`): create and fund accounts, move or "
            "freeze the synthetic market, read the engine's truth, inject faults, change the run's settings. "
            "Every command checks its whole input before it changes anything.",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string", "description": "what is wrong, naming the field or route"},
                        "reason": {"type": "string", "description": "the engine's refusal reason, when it refused"},
                    },
                },
                "Faults": _faults_schema(),
                "Settings": _settings_schema(venue, venue_settings),
                "CurrentSettings": _current_settings_schema(venue, venue_settings),
                **{name: value_schema(cls) for name, cls in VALUE_SCHEMAS.items()},
                **ANSWER_SCHEMAS,
            },
            "responses": {
                "Error": {
                    "description": "refused (400: nothing changed; 404: no such route; 405: not with this method)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }


def _operation(route: ControlRoute) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.handler.removeprefix("_h_"),
        "summary": route.summary,
        "responses": {
            "200": {"description": route.returns, "content": {"application/json": {"schema": route.answer}}},
            "400": _ERROR_REF,
            "404": _ERROR_REF,
            "405": _ERROR_REF,
        },
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "description": text, "schema": {"type": "string"}}
        for name, text in route.path_params
    ]
    parameters += [
        {"name": name, "in": "query", "required": f.required, "description": f.description, "schema": f.schema}
        for name, f in route.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if isinstance(route.body, str):
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{route.body}"}
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    elif route.body is not None:
        operation["requestBody"] = {
            "required": any(f.required for _, f in route.body),
            "content": {"application/json": {"schema": _object(dict(route.body))}},
        }
    return operation


def _object(fields: Mapping[str, Field]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: {**f.schema, "description": f.description} for name, f in fields.items()},
    }
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    return schema


def _fault_entry(actions: Mapping[Any, str], fields: Mapping[str, FaultField]) -> dict[str, Any]:
    action = {
        "type": "string",
        "enum": [a.value for a in actions],
        "description": "; ".join(f"{a.value}: {text}" for a, text in actions.items()),
    }
    properties: dict[str, Any] = {"action": action}
    for name, f in fields.items():
        types = f.types if isinstance(f.types, tuple) else (f.types,)
        names = sorted({_JSON_TYPES[t] for t in types} - ({"integer"} if float in types else set()))
        if f.nullable:
            names.append("null")
        properties[name] = {"type": names[0] if len(names) == 1 else names, "description": f.description}
    return {"type": "object", "required": ["action"], "additionalProperties": False, "properties": properties}


def _faults_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "description": 'faults to inject, e.g. {"rest": [{"action": "status", "status": 429, "path": "/api/*"}]}; '
        "one bad entry refuses the whole set",
        "properties": {
            "rest": {"type": "array", "items": _fault_entry(REST_ACTIONS, REST_FAULT_FIELDS)},
            "stream": {"type": "array", "items": _fault_entry(STREAM_ACTIONS, STREAM_FAULT_FIELDS)},
        },
    }


def _settings_schema(venue: str, venue_settings: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "market": {**_object(MARKET_SETTING_FIELDS), "description": "applies to every synthetic market"},
        "margin": _margin_schema(required=()),
        "mutations": answer_mutations.schema(),
        **_own_settings(venue, venue_settings),
    }
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _current_settings_schema(venue: str, venue_settings: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    market = {
        "type": "object",
        "description": "each synthetic market's settings, by symbol",
        "additionalProperties": closed_object({name: f.schema for name, f in MARKET_SETTING_FIELDS.items()}),
    }
    return closed_object(
        {
            "market": market,
            "margin": _margin_schema(),
            "mutations": answer_mutations.schema(),
            **_own_settings(venue, venue_settings),
        }
    )


def _margin_schema(required: tuple[str, ...] = ("initial", "maintenance")) -> dict[str, Any]:
    fraction = {"type": ["string", "number"], "description": "a decimal fraction of notional, 0 to 1"}
    fractions = {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": {
            "initial": {**fraction, "description": "initial margin fraction (1 / the default leverage)"},
            "maintenance": {**fraction, "description": "maintenance margin fraction (at most the initial)"},
        },
    }
    return {
        "type": "object",
        "description": "each market's margin fractions, by symbol (0 <= maintenance <= initial <= 1)",
        "additionalProperties": fractions,
    }


def _own_settings(venue: str, venue_settings: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        name: {"description": f"the {venue} simulator's own setting", **schema}
        for name, schema in venue_settings.items()
    }


# ------------------------------------------------------------------------------------ value schemas


def value_schema(cls: type) -> dict[str, Any]:
    """The schema of a dataclass value as `jsonable` writes it: every field, by its annotation."""
    hints = get_type_hints(cls)
    return closed_object({f.name: _type_schema(hints[f.name]) for f in dataclasses.fields(cls)})


_VALUE_NAMES = {cls: name for name, cls in VALUE_SCHEMAS.items()}
_PLAIN = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string"}


def _type_schema(annotation: Any) -> dict[str, Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        parts = [_type_schema(arg) for arg in get_args(annotation)]
        if all(set(part) == {"type"} for part in parts):
            return {"type": [part["type"] for part in parts]}
        return {"anyOf": parts}
    if get_origin(annotation) is tuple:
        return {"type": "array", "items": _type_schema(get_args(annotation)[0])}
    if annotation in _PLAIN:
        return {"type": _PLAIN[annotation]}
    if annotation is Decimal:
        return dict(DECIMAL)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = [member.value for member in annotation]
        return {"type": "string", "enum": values} if all(isinstance(v, str) for v in values) else {"enum": values}
    if annotation in _VALUE_NAMES:
        return ref(_VALUE_NAMES[annotation])
    raise TypeError(f"no JSON schema for a value of type {annotation!r}")
