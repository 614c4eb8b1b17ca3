"""The control API described for the person or program that finds it: the index `GET /_sim`
answers and the OpenAPI 3.1 document at `GET /_sim/openapi.json`.

Both are drawn from `xtb.sim.control_spec` (the table `SimControl` registers its routes from) and
from the running simulator (its venue name and its own settings keys), so they describe exactly the
API that serves them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xtb.sim.control_spec import (
    CONTROL_ROUTES,
    MARKET_SETTING_FIELDS,
    REST_ACTIONS,
    REST_FAULT_FIELDS,
    STREAM_ACTIONS,
    STREAM_FAULT_FIELDS,
    ControlRoute,
    FaultField,
    Field,
)
from xtb.sim.refusals import CONTROL_PREFIX

OPENAPI_VERSION = "3.1.0"
_PARAM = re.compile(r"\{([^}]+)\}")
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


def openapi(venue: str, base_url: str, venue_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the control API. `venue_settings` are the front-end's own run
    settings as they are now (`FrontEnd.current_settings()`): their keys are what PUT /settings takes
    besides `market`."""
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
            "200": {"description": route.returns, "content": {"application/json": {"schema": {}}}},
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


def _settings_schema(venue: str, venue_settings: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "market": {**_object(MARKET_SETTING_FIELDS), "description": "applies to every synthetic market"}
    }
    for name in venue_settings:
        properties[name] = {"description": f"the {venue} simulator's own setting; GET /_sim/settings shows it"}
    return {"type": "object", "additionalProperties": False, "properties": properties}
