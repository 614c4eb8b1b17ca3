"""The venue's typed reading of an `/exchange` action, and the canonical form it hashes (spec §2.3, §10.2).

The venue deserialises the JSON into typed structs and re-serialises those to msgpack, so what it
hashes is not what the client sent: fields in struct order (`a, b, p, s, r, t, c`), decimal strings
in their shortest plain form (`"3500.50"` → `"3500.5"`), hex fields lower-cased, the optional `false`
flags (`f`, `a`) and absent options left out, unknown keys dropped. A client that signed anything else
recovers a stranger, which is the point: this module is built from the spec, never from the
connector's signing code, so the two check each other.

A body the structs cannot hold (a wrong JSON type, an unknown action `type`, a malformed cloid, a
decimal with an exponent) is `Undeserializable`: HTTP 422 with the venue's plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xtb.connectors.hyperliquid.signing import USER_SIGNED_TYPES

DESERIALIZE_TEXT = "Failed to deserialize the JSON body into the target type"
U64 = 2**64
U32 = 2**32
TIFS = ("Gtc", "Ioc", "Alo", "FrontendMarket")
GROUPINGS = ("na", "normalTpsl", "positionTpsl")
_DECIMAL = re.compile(r"\d+(\.\d*)?")
_HEX = re.compile(r"[0-9a-fA-F]*")


class Undeserializable(Exception):
    """The body does not fit the venue's types (HTTP 422); `detail` is for the log only."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class ParsedAction:
    """An action the venue knows: its `type`, the canonical struct-order form (what is hashed and
    what is executed) and whether it is user-signed (§2.4) rather than an L1 action (§2.3)."""

    kind: str
    canonical: dict[str, Any]
    user_signed: bool


# --------------------------------------------------------------------------------- primitives


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Undeserializable(f"{where} is not an object")
    return value


def _field(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise Undeserializable(f"{where}.{key} is missing")
    return obj[key]


def _int(value: Any, where: str, bound: int = U64) -> int:
    if type(value) is not int or not 0 <= value < bound:
        raise Undeserializable(f"{where} is not an unsigned integer")
    return value


def _bool(value: Any, where: str) -> bool:
    if type(value) is not bool:
        raise Undeserializable(f"{where} is not a boolean")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise Undeserializable(f"{where} is not a string")
    return value


def canonical_decimal(value: Any, where: str) -> str:
    """The shortest plain form of a decimal string: `"3500.50"` → `"3500.5"`, `"100.0"` → `"100"`,
    `"3500."` → `"3500"`. Exponents, signs and numbers are refused (§10.2)."""
    text = _str(value, where)
    if len(text) > 64 or not _DECIMAL.fullmatch(text):
        raise Undeserializable(f"{where} is not a plain decimal string")
    plain = format(Decimal(text).normalize(), "f")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain or "0"


def hex_bytes(value: Any, where: str, size: int, *, prefix_optional: bool = False) -> str:
    """`0x` + `size` bytes of hex, lower-cased (the venue parses hex fields as bytes)."""
    text = _str(value, where)
    digits = text[2:] if text[:2] in ("0x", "0X") else (text if prefix_optional else None)
    if digits is None or len(digits) != 2 * size or not _HEX.fullmatch(digits):
        raise Undeserializable(f"{where} is not {size} bytes of hex")
    return "0x" + digits.lower()


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise Undeserializable(f"{where} is not a list")
    return value


def _flag(obj: Mapping[str, Any], key: str, where: str) -> dict[str, bool]:
    """An optional flag: present in the hash only when true (an action hashed with `f:false` is
    rejected by the venue, i.e. recovers a stranger here)."""
    value = obj.get(key)
    if value is None:
        return {}
    return {key: True} if _bool(value, f"{where}.{key}") else {}


# ---------------------------------------------------------------------------------- structs


def order_wire(raw: Any, where: str) -> dict[str, Any]:
    """One order: `a, b, p, s, r, t, c?` (§2.3)."""
    obj = _object(raw, where)
    out: dict[str, Any] = {
        "a": _int(_field(obj, "a", where), f"{where}.a", U32),
        "b": _bool(_field(obj, "b", where), f"{where}.b"),
        "p": canonical_decimal(_field(obj, "p", where), f"{where}.p"),
        "s": canonical_decimal(_field(obj, "s", where), f"{where}.s"),
        "r": _bool(_field(obj, "r", where), f"{where}.r"),
        "t": _order_type(_field(obj, "t", where), f"{where}.t"),
    }
    if obj.get("c") is not None:
        out["c"] = hex_bytes(obj["c"], f"{where}.c", 16)
    return out


def _order_type(raw: Any, where: str) -> dict[str, Any]:
    obj = _object(raw, where)
    if len(obj) != 1:
        raise Undeserializable(f"{where} must hold exactly one of limit, trigger")
    if "limit" in obj:
        limit = _object(obj["limit"], f"{where}.limit")
        tif = _str(_field(limit, "tif", f"{where}.limit"), f"{where}.limit.tif")
        if tif not in TIFS:
            raise Undeserializable(f"{where}.limit.tif {tif!r} is not one of {TIFS}")
        return {"limit": {"tif": tif}}
    if "trigger" in obj:
        trig = _object(obj["trigger"], f"{where}.trigger")
        tpsl = _str(_field(trig, "tpsl", f"{where}.trigger"), f"{where}.trigger.tpsl")
        if tpsl not in ("tp", "sl"):
            raise Undeserializable(f"{where}.trigger.tpsl must be tp or sl")
        return {
            "trigger": {
                "isMarket": _bool(_field(trig, "isMarket", f"{where}.trigger"), f"{where}.trigger.isMarket"),
                "triggerPx": canonical_decimal(
                    _field(trig, "triggerPx", f"{where}.trigger"), f"{where}.trigger.triggerPx"
                ),
                "tpsl": tpsl,
            }
        }
    raise Undeserializable(f"{where} must hold limit or trigger")


def _grouping(raw: Any) -> Any:
    if isinstance(raw, str) and raw in GROUPINGS:
        return raw
    if isinstance(raw, Mapping) and set(raw) == {"p"}:
        return {"p": _int(raw["p"], "grouping.p")}
    raise Undeserializable("grouping is not one of na, normalTpsl, positionTpsl, {p}")


def _oid_or_cloid(raw: Any, where: str) -> int | str:
    if isinstance(raw, str):
        return hex_bytes(raw, where, 16)
    return _int(raw, where)


def _order(obj: Mapping[str, Any]) -> dict[str, Any]:
    orders = _list(_field(obj, "orders", "action"), "action.orders")
    out: dict[str, Any] = {
        "type": "order",
        "orders": [order_wire(o, f"action.orders[{i}]") for i, o in enumerate(orders)],
        "grouping": _grouping(_field(obj, "grouping", "action")),
    }
    if obj.get("builder") is not None:
        builder = _object(obj["builder"], "action.builder")
        out["builder"] = {
            "b": hex_bytes(_field(builder, "b", "action.builder"), "action.builder.b", 20),
            "f": _int(_field(builder, "f", "action.builder"), "action.builder.f"),
        }
    return out


def _cancel(obj: Mapping[str, Any]) -> dict[str, Any]:
    cancels = []
    for i, raw in enumerate(_list(_field(obj, "cancels", "action"), "action.cancels")):
        where = f"action.cancels[{i}]"
        entry = _object(raw, where)
        cancels.append(
            {
                "a": _int(_field(entry, "a", where), f"{where}.a", U32),
                "o": _int(_field(entry, "o", where), f"{where}.o"),
            }
        )
    return {"type": "cancel", "cancels": cancels, **_flag(obj, "f", "action")}


def _cancel_by_cloid(obj: Mapping[str, Any]) -> dict[str, Any]:
    cancels = []
    for i, raw in enumerate(_list(_field(obj, "cancels", "action"), "action.cancels")):
        where = f"action.cancels[{i}]"
        entry = _object(raw, where)
        cancels.append(
            {
                "asset": _int(_field(entry, "asset", where), f"{where}.asset", U32),
                "cloid": hex_bytes(_field(entry, "cloid", where), f"{where}.cloid", 16),
            }
        )
    return {"type": "cancelByCloid", "cancels": cancels, **_flag(obj, "f", "action")}


def _modify(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "modify",
        "oid": _oid_or_cloid(_field(obj, "oid", "action"), "action.oid"),
        "order": order_wire(_field(obj, "order", "action"), "action.order"),
        **_flag(obj, "a", "action"),
    }


def _batch_modify(obj: Mapping[str, Any]) -> dict[str, Any]:
    modifies = []
    for i, raw in enumerate(_list(_field(obj, "modifies", "action"), "action.modifies")):
        where = f"action.modifies[{i}]"
        entry = _object(raw, where)
        modifies.append(
            {
                "oid": _oid_or_cloid(_field(entry, "oid", where), f"{where}.oid"),
                "order": order_wire(_field(entry, "order", where), f"{where}.order"),
            }
        )
    return {"type": "batchModify", "modifies": modifies, **_flag(obj, "a", "action")}


def _schedule_cancel(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "scheduleCancel"}
    if obj.get("time") is not None:
        out["time"] = _int(obj["time"], "action.time")
    return out


def _update_leverage(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "updateLeverage",
        "asset": _int(_field(obj, "asset", "action"), "action.asset", U32),
        "isCross": _bool(_field(obj, "isCross", "action"), "action.isCross"),
        "leverage": _int(_field(obj, "leverage", "action"), "action.leverage", U32),
    }


def _update_isolated_margin(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`ntli`: a signed USDC amount × 10^6 (negative removes margin)."""
    ntli = _field(obj, "ntli", "action")
    if type(ntli) is not int or not -(2**63) <= ntli < 2**63:
        raise Undeserializable("action.ntli is not a signed integer")
    return {
        "type": "updateIsolatedMargin",
        "asset": _int(_field(obj, "asset", "action"), "action.asset", U32),
        "isBuy": _bool(_field(obj, "isBuy", "action"), "action.isBuy"),
        "ntli": ntli,
    }


def _top_up_isolated_only_margin(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`leverage` is a decimal string (§4.3.4); field order `type, asset, leverage` (UNCONFIRMED:
    the spec's table of §2.3 does not list this action)."""
    return {
        "type": "topUpIsolatedOnlyMargin",
        "asset": _int(_field(obj, "asset", "action"), "action.asset", U32),
        "leverage": canonical_decimal(_field(obj, "leverage", "action"), "action.leverage"),
    }


def _noop(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "noop"}


def _approve_agent(obj: Mapping[str, Any]) -> dict[str, Any]:
    """User-signed: hashed by its EIP-712 fields (§2.4), so the form kept is the typed one; an
    absent `agentName` is hashed as `""`."""
    out: dict[str, Any] = {
        "type": "approveAgent",
        "signatureChainId": _str(_field(obj, "signatureChainId", "action"), "action.signatureChainId"),
        "hyperliquidChain": _str(_field(obj, "hyperliquidChain", "action"), "action.hyperliquidChain"),
        "agentAddress": hex_bytes(_field(obj, "agentAddress", "action"), "action.agentAddress", 20),
        "nonce": _int(_field(obj, "nonce", "action"), "action.nonce"),
    }
    if obj.get("agentName") is not None:
        out["agentName"] = _str(obj["agentName"], "action.agentName")
    _chain_id(out["signatureChainId"])
    return out


def _approve_builder_fee(obj: Mapping[str, Any]) -> dict[str, Any]:
    """User-signed (§2.4): `maxFeeRate` a percent string (`"0.001%"`), `builder` an address."""
    out: dict[str, Any] = {
        "type": "approveBuilderFee",
        "signatureChainId": _str(_field(obj, "signatureChainId", "action"), "action.signatureChainId"),
        "hyperliquidChain": _str(_field(obj, "hyperliquidChain", "action"), "action.hyperliquidChain"),
        "maxFeeRate": _str(_field(obj, "maxFeeRate", "action"), "action.maxFeeRate"),
        "builder": hex_bytes(_field(obj, "builder", "action"), "action.builder", 20),
        "nonce": _int(_field(obj, "nonce", "action"), "action.nonce"),
    }
    _chain_id(out["signatureChainId"])
    return out


def _chain_id(text: str) -> None:
    try:
        int(text, 16)
    except ValueError:
        raise Undeserializable("action.signatureChainId is not hex") from None


L1_PARSERS = {
    "order": _order,
    "cancel": _cancel,
    "cancelByCloid": _cancel_by_cloid,
    "modify": _modify,
    "batchModify": _batch_modify,
    "scheduleCancel": _schedule_cancel,
    "updateLeverage": _update_leverage,
    "updateIsolatedMargin": _update_isolated_margin,
    "topUpIsolatedOnlyMargin": _top_up_isolated_only_margin,
    "noop": _noop,
}
USER_PARSERS = {"approveAgent": _approve_agent, "approveBuilderFee": _approve_builder_fee}
SUPPORTED = frozenset(L1_PARSERS) | frozenset(USER_PARSERS)


def parse_action(raw: Any) -> ParsedAction:
    """The venue's typed reading of `action`; Undeserializable for anything the simulator's structs
    cannot hold, an unknown `type` included."""
    obj = _object(raw, "action")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in SUPPORTED:
        raise Undeserializable(f"action.type {kind!r} is not an action this simulator knows")
    if kind in USER_PARSERS:
        return ParsedAction(kind, USER_PARSERS[kind](obj), True)
    return ParsedAction(kind, L1_PARSERS[kind](obj), False)


def canonical_form(action: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the venue hashes for an L1 action: the canonical struct form for the types it knows,
    the action as received (key order kept) for others (§10.2: the vectors' `dummy` action)."""
    kind = action.get("type")
    if kind in L1_PARSERS:
        return L1_PARSERS[kind](action)
    return action


def is_user_signed(kind: Any) -> bool:
    return kind in USER_SIGNED_TYPES
