"""Check a JSON value against the subset of JSON Schema the control API's OpenAPI document uses
(type, enum, properties, required, additionalProperties, items, anyOf, minimum, exclusiveMinimum,
$ref into the document), so a test can hold each answer to what the document promises."""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, Any] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_KNOWN = {"type", "enum", "properties", "required", "additionalProperties", "items", "anyOf", "minimum",
          "exclusiveMinimum", "$ref", "description", "examples"}  # fmt: skip


def problems(document: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Every way `value` breaks `schema` (empty: it conforms). A keyword this checker does not know
    is itself a problem, so the document cannot outgrow the test unnoticed."""
    unknown = set(schema) - _KNOWN
    if unknown:
        return [f"{where}: unchecked schema keyword(s) {sorted(unknown)}"]
    if "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return problems(document, node, value, where)
    if "anyOf" in schema:
        if not any(not problems(document, option, value, where) for option in schema["anyOf"]):
            return [f"{where}: {value!r} matches none of anyOf"]
        return []
    found: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[name](value) for name in names):
            return [f"{where}: {value!r} is not {names}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: {value} < {schema['minimum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{where}: {value} <= {schema['exclusiveMinimum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{where}: missing {name!r}" for name in schema.get("required", []) if name not in value]
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += problems(document, properties[name], item, f"{where}.{name}")
            elif extra is False:
                found.append(f"{where}: unexpected {name!r}")
            elif isinstance(extra, dict):
                found += problems(document, extra, item, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(document, schema["items"], item, f"{where}[{index}]")
    return found
