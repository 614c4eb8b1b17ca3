"""The new venue's file (`venues/NAME.yaml`), written from the venue-file schema itself.

Why from the schema: a template copy of the keys would drift the day a key is added to
`VenueConfig`, `TrackingSettings` or the simulator block, and the newcomer would never learn of it.
Here the keys are walked from the schema types; each one must have a line in `DOCS` (and a value:
the schema's default, or one from `examples`), or writing the file fails naming the key, and a
`DOCS` entry the schema no longer has fails the same way.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import textwrap
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from typing_extensions import is_typeddict

from xtb.config.venue_file import VenueConfig
from xtb.scaffold.names import ScaffoldError, VenueNames

MISSING: Any = object()
# keys written as one value (the same keys as another block, or a free mapping), not walked into
LEAVES = frozenset({"simulator.tracking", "simulator.order_size"})
WIDTH = 100

DOCS: dict[str, str] = {
    "venue": "The venue's name: the report's and the simulator's name for it.",
    "connector": "The connector: a registered name (a built-in venue's, or one an installed package "
    "registers under the `xtb.connectors` entry-point group), or its class as package.module:Class.",
    "environment": "testnet (the default) or mainnet (needs --allow-mainnet and order_size.max_notional). "
    "The simulator is chosen with --sim, never here.",
    "hosts": "Every host the connector needs; all reach it as `config.hosts` (rest and ws required, add "
    "any other as a string). On the simulator the running simulator's URLs replace them.",
    "hosts.rest": "The venue's testnet REST base URL (replace the placeholder).",
    "hosts.ws": "The venue's testnet WebSocket base URL (replace the placeholder).",
    "symbol": "The market the scenarios trade on the real venue, as users pass it to the connector.",
    "credentials": "Connector credential name -> environment variable; the value reaches the connector "
    "as a Secret. On the simulator these NAMES are taken from the simulator's test account "
    "(make_credentials in the simulator front-end must use the same names).",
    "identifiers": "Name -> environment variable, for values that identify an account but are not "
    "secrets (an account index): plain strings in `config.identifiers`. None here yet.",
    "order_size": "How big the scenarios' orders are.",
    "order_size.min_size_multiple": "Order size = the venue's minimum at the touch x this (an int or a "
    "quoted decimal, never a YAML float).",
    "order_size.max_notional": "Refuse to trade above this notional (quote currency) on the real "
    "venue; required on mainnet.",
    "tracking": "How orders are tracked (TrackingSettings in xtb/execution/tracking_limit.py); the "
    "schema's defaults, written out.",
    "tracking.interval": "Seconds a tracking-limit order rests without filling before it is re-posted.",
    "tracking.timeout": "Seconds before the chase gives up (cancels, confirms, raises).",
    "tracking.cancel_wait": "Seconds a cancel may take to be confirmed before a REST query decides.",
    "tracking.price_offset_ticks": "Ticks away from the touch (positive = more passive); never crosses.",
    "tracking.post_only": "Tracking-limit orders are post-only.",
    "tracking.backoff_initial": "Seconds to wait after a post-only refusal, first time ...",
    "tracking.backoff_max": "... doubling up to this.",
    "tracking.remainder_policy": "finish (end FINISHED_SHORT with what filled) or top_up (post the "
    "venue's minimum) when what is left is too small to post.",
    "tracking.settle_time": "Seconds the checks let REST and the stream take to agree after a change.",
    "tracking.settle_timeout": "Seconds a submit whose answer was lost is asked about by client id "
    "before it is left SUBMITTING: the venue's window for a late-landing order.",
    "tracking.reconcile_interval": "Seconds a live order may go without an update before the periodic "
    "REST check re-reads it; lost_fill_message must find a lost fill within two of these.",
    "capabilities": "What this venue does where venues differ (xtb/config/capabilities.py); unknown keys are refused.",
    "capabilities.post_only_cross": "reject (refused at submit) or cancel (accepted, then ended "
    "unfilled): which outcome post_only_would_cross expects.",
    "capabilities.reduce_only_oversize": "reject or accept_and_expire: what the venue does with a "
    "reduce-only order larger than the position (shown to the reader; null: not stated).",
    "capabilities.hedge_mode": "The connector trades an account in hedge (dual-side) position mode.",
    "capabilities.reduce_only": "Reduce-only orders exist on the venue (false skips the scenarios that "
    "need them, with the reason; a skipped baseline scenario makes the venue INCOMPLETE).",
    "capabilities.query_by_client_id": "An order can be read back by its client order id (false skips "
    "the scenarios that need it).",
    "quirks": "Name -> one-line explanation of a venue oddity, shown in the report.",
    "skips": "Scenario id (or id[variant]) -> the reason, shown in the report; ids are checked against "
    "the catalog. A skipped baseline scenario makes the venue INCOMPLETE, never CONFORMANT.",
    "simulator": "How the suite runs this venue on its simulator (--sim).",
    "simulator.venue": "The simulator's registry name (a built-in venue's, or one an installed package "
    "registers under the `xtb.simulators` entry-point group).",
    "simulator.symbol": "The market traded on the simulator (one its front-end lists).",
    "simulator.second_symbol": "Another market the simulator lists: foreign_orders_left_alone checks "
    "that cleanup of one symbol never touches another.",
    "simulator.tracking": "Changes to `tracking` on the simulator (any of its keys): it answers in "
    "milliseconds, so the timings shrink.",
    "simulator.order_size": "Changes to `order_size` on the simulator; max_notional is refused here "
    "(the cap guards real money).",
    "simulator.faults": "Where the resilience scenarios aim the simulator's faults: REST targets are "
    "{method, path} (path a glob), stream targets {channel, kind} (globs over the channel and kind "
    "the front-end publishes with), or a list of them. A scenario whose target is missing fails "
    "naming the key.",
    "simulator.faults.submit": "The order-placing route.",
    "simulator.faults.cancel": "The cancel route.",
    "simulator.faults.order_stream": "The private stream's order updates.",
    "simulator.faults.fill_stream": "The private stream's fill (trade) messages.",
    "simulator.faults.position_stream": "The private stream's position messages only.",
    "simulator.faults.book_stream": "The book's messages (depth updates, and any real-time best "
    "bid/ask the connector reads).",
    "simulator.faults.private_stream": "Every message of the private stream(s).",
    "simulator.extra": "Merged over `extra` on the simulator (e.g. a request budget under the simulator's).",
    "simulator.settings": "The simulator's own switches for the run, applied per scenario through its "
    "control API (PUT /_sim/settings): `market` for every synthetic market (fill_after, taker_rate, "
    "tick_rate, volatility_ticks), plus the front-end's own (its prepare_settings).",
    "extra": "The connector's own settings, typed by its VenueExtra (settings.py); checked when the file "
    "loads, alone and with simulator.extra over it.",
}


def examples(names: VenueNames, connector: str) -> dict[str, Any]:
    """The values the scaffold writes where the schema has no default, or where a new venue starts
    from something else (placeholder hosts, the simulator's fast timings)."""
    venue, env = names.venue, names.env_prefix
    return {
        "venue": venue,
        "connector": connector,
        "hosts.rest": f"https://api.testnet.{venue}.invalid",
        "hosts.ws": f"wss://ws.testnet.{venue}.invalid",
        "symbol": "BTC-PERP",
        "credentials": {"api_key": f"{env}_API_KEY", "api_secret": f"{env}_API_SECRET"},
        "identifiers": {},
        "order_size.max_notional": "25",
        "quirks": {},
        "skips": {},
        "simulator.venue": venue,
        "simulator.symbol": "BTC-PERP",
        "simulator.second_symbol": "ETH-PERP",
        "simulator.tracking": {
            "interval": 1,
            "timeout": 15,
            "cancel_wait": 0.5,
            "settle_time": 2,
            "reconcile_interval": 0.5,
            "settle_timeout": 0.3,
        },
        "simulator.order_size": {"min_size_multiple": 10},
        "simulator.faults.submit": {"method": "POST", "path": "/api/v1/order"},
        "simulator.faults.cancel": {"method": "DELETE", "path": "/api/v1/order"},
        "simulator.faults.order_stream": {"channel": "orders:*", "kind": "order"},
        "simulator.faults.fill_stream": {"channel": "orders:*", "kind": "fill"},
        "simulator.faults.position_stream": {"channel": "orders:*", "kind": "position"},
        "simulator.faults.book_stream": {"channel": "book:*", "kind": "*"},
        "simulator.faults.private_stream": {"channel": "orders:*"},
        "simulator.extra": {},
        "simulator.settings": {"market": {"fill_after": 0.1}},
        "extra": {"ws_heartbeat_s": 30},
    }


def render_venue_file(names: VenueNames, connector: str | None = None) -> str:
    """The venue file's text: every key of the schema, each under its comment. `connector:` is
    `connector` (inside xtb, the registered name) or else the project's `package.module:Class`."""
    tree = _walk(VenueConfig, "")
    known = {key for key, _ in _flatten(tree)}
    stale = sorted(set(DOCS) - known)
    if stale:
        raise ScaffoldError(f"scaffold DOCS name key(s) the venue-file schema no longer has: {stale}")
    header = (
        f"# {names.venue}: the venue file (docs/connectors.md section 6). Every key of the schema is below,\n"
        "# under what it means; replace the placeholders with the venue's values.\n\n"
    )
    return header + "".join(_render(tree, examples(names, connector or names.connector_target), 0))


Node = tuple[str, list[Any] | Any]  # (dotted key, children or the schema's default)


def _walk(schema: Any, prefix: str) -> list[Node]:
    nodes: list[Node] = []
    for name, annotation, default in _fields(schema):
        key = f"{prefix}{name}"
        children = None if key in LEAVES else _fields_or_none(annotation)
        nodes.append((key, _walk(annotation, key + ".") if children is not None else default))
    return nodes


def _flatten(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for key, value in nodes:
        out.append((key, value))
        if isinstance(value, list):
            out += _flatten(value)
    return out


def _fields_or_none(annotation: Any) -> list[tuple[str, Any, Any]] | None:
    try:
        return _fields(annotation)
    except TypeError:
        return None


def _fields(schema: Any) -> list[tuple[str, Any, Any]]:
    """(key, type, default) of a schema type's keys; TypeError for a value type (a leaf)."""
    schema = _unwrap(schema)
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return [
            (info.alias or name, info.annotation, MISSING if info.default is PydanticUndefined else info.default)
            for name, info in schema.model_fields.items()
        ]
    if isinstance(schema, type) and dataclasses.is_dataclass(schema):
        return [
            (f.name, f.type, MISSING if f.default is dataclasses.MISSING else f.default)
            for f in dataclasses.fields(schema)
        ]
    if is_typeddict(schema):
        return [(key, str, MISSING) for key in schema.__annotations__]
    raise TypeError(f"{schema!r} has no keys")


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` → X (a schema block is never a union of two blocks)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _unwrap(kept[0]) if len(kept) == 1 else annotation
    return annotation


def _render(nodes: list[Node], values: Mapping[str, Any], depth: int) -> list[str]:
    indent = "  " * depth
    lines: list[str] = []
    for key, value in nodes:
        doc = DOCS.get(key)
        if doc is None:
            raise ScaffoldError(f"the venue-file schema has key {key!r} that the scaffold does not document (DOCS)")
        if depth == 0 and lines:
            lines.append("\n")  # a blank line between the file's top-level keys
        lines += [f"{indent}# {line}\n" for line in textwrap.wrap(doc, WIDTH - len(indent) - 2)]
        name = key.rpartition(".")[2]
        if isinstance(value, list):
            lines.append(f"{indent}{name}:\n")
            lines += _render(value, values, depth + 1)
            continue
        chosen = values.get(key, value)
        if chosen is MISSING:
            raise ScaffoldError(f"the venue-file key {key!r} has no default and the scaffold gives it no value")
        lines.append(f"{indent}{name}: {_yaml(chosen)}\n")
    return lines


PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/*@-]*")


def _yaml(value: Any) -> str:
    """One value in YAML flow style: decimals quoted (a YAML float is not exact), plain words bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _yaml(value.value)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else json.dumps(str(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        reserved = value.lower() in ("true", "false", "yes", "no", "on", "off", "null", "~")
        return value if PLAIN.fullmatch(value) and not reserved and "*" not in value else json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    raise ScaffoldError(f"cannot write {type(value).__name__} into the venue file")
