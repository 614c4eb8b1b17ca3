"""One reader for every settings file kind: YAML in, a typed model out, or one ConfigError that
names the file and every key at fault.

Why: venue files, run files and strategy blocks used to be checked by hand-written validators, each
with its own wording and its own gaps. Each kind now declares a pydantic schema (types, defaults,
bounds, unknown keys refused) and this module does the rest alike for all of them: read the YAML,
validate, and render pydantic's errors as `FILE: key.sub: message`. A message never carries the
value it refuses: a credential may be one.

    validate(VenueConfig, raw, "venues/aster.yaml")      a parsed document (or part of one)
    load(RunFile, path, "config file")                    read the file, then validate it
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from typing_extensions import get_type_hints, is_typeddict

from xtb.errors import ConfigError

T = TypeVar("T")

#: A non-empty string (a name, a path, an environment variable); a number is not one.
NonEmptyStr = Annotated[str, StringConstraints(strict=True, min_length=1)]
#: A duration in seconds: an int or a float above zero (a bool or a quoted number is refused).
PositiveSeconds = Annotated[float, Strict(), Field(gt=0)]
#: An integer, never a bool or a quoted number.
StrictInt = Annotated[int, Strict()]
#: true or false, never "yes" or 1.
StrictBool = Annotated[bool, Strict()]


def _positive_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        number: Decimal | None = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
    else:
        number = None
    if number is None or not number.is_finite() or number <= 0:
        raise ValueError("must be a positive decimal: an integer or a quoted string (a float is not exact)")
    return number


#: Money and multiples: an int or a quoted decimal string above zero; a YAML float is refused
#: because it is not exact.
PositiveDecimal = Annotated[Decimal, PlainValidator(_positive_decimal)]


class SchemaModel(BaseModel):
    """Base of a file section's schema: unknown keys are refused, values are frozen, and a key left
    empty in YAML (`skips:` with nothing under it) counts as not given when the key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        fields = cls.model_fields
        by_key = {(f.alias or name): f for name, f in fields.items()}
        return {k: v for k, v in data.items() if v is not None or k not in by_key or by_key[k].is_required()}


class Changes(SchemaModel):
    """Changes to some fields of a settings type (`changes_of`): each key optional, and only the
    keys given change anything. `apply` returns the settings with them, validated again."""

    settings_type: ClassVar[type]  # what these change

    def changes(self) -> dict[str, Any]:
        """The keys given, with their validated values."""
        names = _fields(self.settings_type) or {}
        return {name: getattr(self, name) for name in self.model_fields_set if name in names}

    def apply(self, settings: T) -> T:
        return dataclasses.replace(settings, **self.changes())  # type: ignore[type-var]


def changes_of(settings: type) -> type[Changes]:
    """A schema for changes to `settings` (a pydantic dataclass): the same keys, types and bounds,
    every key optional. One type declares the settings; overrides of them are derived, never copied."""
    fields: dict[str, Any] = {}
    for field_name, info in (_field_infos(settings) or {}).items():
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[field_name] = (annotation, Field(default=None))
    model = create_model(f"{settings.__name__}Changes", __base__=Changes, **fields)
    model.settings_type = settings
    return model


# ---------------------------------------------------------------------------------- reading


def read_yaml(path: Path, where: str, what: str) -> Any:
    """The file's YAML; `where` starts every error, `what` ("venue file") names the file when it is missing."""
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such {what}") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory; give a {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the {what}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None


def load(schema: type[T], path: Path, what: str) -> T:
    """Read one file and validate it against its schema."""
    return validate(schema, read_yaml(path, str(path), what), str(path))


def validate(schema: type[T], raw: Any, where: str, key: str = "") -> T:
    """`raw` (a whole document, or the part of one at `key`) as `schema`; ConfigError naming `where`
    and each key at fault, never a value. Validators see `where` in their context (`info.context`)."""
    try:
        return _adapter(schema).validate_python(raw, context={"where": where})
    except ValidationError as exc:
        raise ConfigError(f"{where}: {problems(exc, schema, raw, key)}") from None


@cache
def _adapter(schema: type[T]) -> TypeAdapter[T]:
    return TypeAdapter(schema)


# ---------------------------------------------------------------------------------- messages


def problems(exc: ValidationError, schema: Any, raw: Any, key: str = "") -> str:
    """pydantic's errors as "key.sub: message", one per problem, in the file's own terms: a list
    index only where the file has a list, unknown keys with the allowed ones, never an input value."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in error["loc"] if p != "[key]")
        at, node = _located(loc, raw, key)
        message = _message(error, schema, loc, node)
        if at:
            parts.append(f"{at}: {message}")
        else:  # the document itself
            parts.append(f"the file {message}" if message.startswith("must be a mapping") else message)
    return "; ".join(dict.fromkeys(parts))


def _located(loc: tuple[Any, ...], raw: Any, key: str) -> tuple[str, Any]:
    """The key path as the file spells it (`simulator.faults.book_stream[0].channel`) and the value there."""
    text, node = key, raw
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            text, node = (f"{text}.{part}" if text else str(part)), node[part]
        elif isinstance(part, int):
            if isinstance(node, list | tuple):  # else: one mapping where a list may be given
                text, node = f"{text}[{part}]", node[part] if part < len(node) else None
        else:
            text, node = (f"{text}.{part}" if text else str(part)), None
    return text, node


def _message(error: Any, schema: Any, loc: tuple[Any, ...], node: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        allowed = _fields(_type_at(schema, loc[:-1])) or {}
        return f"unknown key; allowed: {', '.join(sorted(allowed)) or 'none'}"
    if kind in ("missing", "missing_keyword_argument"):
        return "missing required key"
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type", "dataclass_args_type"):
        return f"must be a mapping, not {type(node).__name__}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        return "must not be empty"
    return str(error["msg"])


def _type_at(schema: Any, loc: tuple[Any, ...]) -> Any:
    """The declared type at a key path of `schema` (models, dataclasses, TypedDicts, dicts, lists)."""
    current = schema
    for part in loc:
        current = _child(current, part)
        if current is None:
            return None
    return current


def _child(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    fields = _fields(tp)
    if fields is not None:
        return fields.get(part)
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for arm in get_args(tp):
            found = _child(arm, part) if arm is not type(None) else None
            if found is not None:
                return found
        return None
    args = get_args(tp)
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    if origin in (list, tuple) and args:
        return args[0]
    return None


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _fields(tp: Any) -> dict[str, Any] | None:
    """Key → declared type of a model, a pydantic dataclass or a TypedDict (or the first such arm
    of a union: `SimulatorBlock | None`); None for anything else."""
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return next((f for f in map(_fields, get_args(tp)) if f is not None), None)
    infos = _field_infos(tp)
    if infos is not None:
        return {(info.alias or name): info.annotation for name, info in infos.items()}
    if is_typeddict(tp):
        return get_type_hints(tp, include_extras=True)
    return None


def _field_infos(tp: Any) -> dict[str, Any] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return dict(tp.model_fields)
    infos = getattr(tp, "__pydantic_fields__", None)
    return dict(infos) if isinstance(infos, Mapping) else None
