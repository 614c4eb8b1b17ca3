"""Hyperliquid subscriptions as the venue reads them (spec §5.1, §5.3): parsed, checked, normalised.

The venue acknowledges the *normalised* subscription (`l2Book` gains `nSigFigs`/`mantissa` null and
`fast` false, `userFills` gains `aggregateByTime` false, addresses come back lower-case), and two
subscriptions are the same when their normalised forms are; so the normalised form, as compact JSON
in the venue's field order, is both the echo and the identity. A subscription the venue cannot even
read (unknown type, missing or mistyped field) is a `SubscriptionParseError`; one it reads but
refuses (a coin it does not list, an aggregation it does not offer) is `InvalidSubscription`.

Served types: allMids, l2Book, bbo, trades, candle, orderUpdates, userEvents, userFills, and the
views userFundings, activeAssetCtx, activeAssetData, webData2 (§5.3). The venue's other types
(notification, webData3, clearinghouseState, ...: out of scope in §5.3) read as unknown here.
UNCONFIRMED: `allMids` echoes `dex` only when the client sent it; extra fields are ignored and left
out of the echo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xtb.errors import XtbError
from xtb.sim.stream_hub import StreamConnection

CANDLE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d", "3d", "1w", "1M")
N_SIG_FIGS = (2, 3, 4, 5)
MANTISSAS = (1, 2, 5)  # only with nSigFigs 5 (§4.2)
USER_TYPES = frozenset({"orderUpdates", "userEvents", "userFills", "userFundings", "activeAssetData", "webData2"})
COIN_TYPES = frozenset({"l2Book", "bbo", "trades", "candle", "activeAssetCtx", "activeAssetData"})
VIEW_TYPES = frozenset({"userFundings", "activeAssetCtx", "activeAssetData", "webData2"})  # views.py renders them

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_MISSING = object()
_HELD = "hyperliquid_subscriptions"


class SubscriptionParseError(XtbError):
    """The venue cannot read this subscription: `Error parsing JSON into valid websocket request`."""


class InvalidSubscription(XtbError):
    """The venue reads the subscription but refuses it: `Invalid subscription {…}`."""

    def __init__(self, subscription: Subscription) -> None:
        super().__init__(f"Invalid subscription {subscription.key}")
        self.subscription = subscription


@dataclass(frozen=True)
class Subscription:
    """One normalised subscription. `fields` is the venue's echo, in its field order."""

    fields: tuple[tuple[str, Any], ...]

    @property
    def echo(self) -> dict[str, Any]:
        return dict(self.fields)

    @property
    def key(self) -> str:
        """Compact JSON of the echo: the subscription's identity and the text error frames quote."""
        return json.dumps(self.echo, separators=(",", ":"))

    def get(self, name: str) -> Any:
        for field, value in self.fields:
            if field == name:
                return value
        return None

    @property
    def type(self) -> str:
        return str(self.get("type"))

    @property
    def coin(self) -> str | None:
        return self.get("coin")

    @property
    def user(self) -> str | None:
        return self.get("user")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise SubscriptionParseError("expected a string")
    return value


def _address(value: Any) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise SubscriptionParseError("expected an address")
    return value.lower()


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise SubscriptionParseError("expected an integer or null")
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise SubscriptionParseError("expected a boolean")
    return value


def _interval(value: Any) -> str:
    if value not in CANDLE_INTERVALS:
        raise SubscriptionParseError("unknown candle interval")
    return str(value)


# type → its fields in the venue's order: (name, reader, default; _MISSING = required, None-able
# defaults are echoed, `_OMIT` = echoed only when sent)
_OMIT = object()
_Field = tuple[str, Callable[[Any], Any], Any]
_SCHEMAS: dict[str, tuple[_Field, ...]] = {
    "allMids": (("dex", _text, _OMIT),),
    "l2Book": (
        ("coin", _text, _MISSING),
        ("nSigFigs", _optional_int, None),
        ("mantissa", _optional_int, None),
        ("fast", _flag, False),
    ),
    "bbo": (("coin", _text, _MISSING),),
    "trades": (("coin", _text, _MISSING),),
    "candle": (("coin", _text, _MISSING), ("interval", _interval, _MISSING)),
    "orderUpdates": (("user", _address, _MISSING),),
    "userEvents": (("user", _address, _MISSING),),
    "userFills": (("user", _address, _MISSING), ("aggregateByTime", _flag, False)),
    "userFundings": (("user", _address, _MISSING),),
    "activeAssetCtx": (("coin", _text, _MISSING),),
    "activeAssetData": (("user", _address, _MISSING), ("coin", _text, _MISSING)),
    "webData2": (("user", _address, _MISSING),),
}


def parse_subscription(raw: Any) -> Subscription:
    """The normalised subscription, or SubscriptionParseError when the venue cannot read it."""
    if not isinstance(raw, Mapping):
        raise SubscriptionParseError("a subscription is an object")
    kind = raw.get("type")
    schema = _SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise SubscriptionParseError(f"unknown subscription type {kind!r}")
    fields: list[tuple[str, Any]] = [("type", kind)]
    for name, read, default in schema:
        value = raw.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise SubscriptionParseError(f"missing field {name}")
            if default is not _OMIT:
                fields.append((name, default))
            continue
        if value is None and default is None:
            fields.append((name, None))
            continue
        fields.append((name, read(value)))
    return Subscription(tuple(fields))


def check_subscription(subscription: Subscription, coins: frozenset[str]) -> None:
    """Raise InvalidSubscription for a coin the venue does not list or an aggregation it lacks."""
    coin = subscription.coin
    if subscription.type in COIN_TYPES and coin not in coins:
        raise InvalidSubscription(subscription)
    if subscription.type == "l2Book":
        n_sig_figs, mantissa = subscription.get("nSigFigs"), subscription.get("mantissa")
        if n_sig_figs is not None and n_sig_figs not in N_SIG_FIGS:
            raise InvalidSubscription(subscription)
        if mantissa is not None and (mantissa not in MANTISSAS or n_sig_figs != 5):
            raise InvalidSubscription(subscription)


def held(conn: StreamConnection) -> dict[str, Subscription]:
    """The subscriptions a connection holds, by key (kept in its `state`)."""
    subs: dict[str, Subscription] = conn.state.setdefault(_HELD, {})
    return subs


def hub_channel(subscription: Subscription) -> str:
    """The hub channel a subscription's messages go out on, which `simulator.faults` aims at: user
    feeds `orderUpdates:<user>`, `userFills:<user>`, `user:<user>`, `userFundings:<user>`,
    `activeAssetData:<user>`, `webData2:<user>`; market data `l2Book:<coin>`, `bbo:<coin>`,
    `trades:<coin>`, `candle:<coin>`, `activeAssetCtx:<coin>`, `allMids`."""
    kind = subscription.type
    if kind == "allMids":
        return "allMids"
    if kind == "userEvents":
        return f"user:{subscription.user}"
    if kind in USER_TYPES:
        return f"{kind}:{subscription.user}"
    return f"{kind}:{subscription.coin}"


def frame(channel: str, data: Any) -> dict[str, Any]:
    """Every server frame but pong: `{"channel": ..., "data": ...}` (§5.1)."""
    return {"channel": channel, "data": data}
