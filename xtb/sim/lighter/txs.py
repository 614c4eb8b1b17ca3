"""Lighter L2 transactions as the simulator reads them (spec §2.2, §2.4): `tx_info` parsed by key,
the signed message element m (with nil attributes skipped and the attribute hash aggregated),
`tx_hash`, and the signer's field rules with the venue's 217xx codes.

Parsing accepts what the signer can hash (non-negative integers below 2^63, a base64 80-byte
`Sig`, known attribute keys) and refuses anything else with 21501; range rules that only the
venue's validation enforces come later, in `validate`, after the signature and nonce checks.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xtb.crypto import field as F
from xtb.crypto.poseidon2 import hash_to_quintic
from xtb.sim import inbound
from xtb.sim.lighter import errors as E
from xtb.sim.lighter.errors import LighterError, invalid_tx_info

CHANGE_PUB_KEY = 8
WITHDRAW = 13
CREATE_ORDER = 14
CANCEL_ORDER = 15
CANCEL_ALL = 16
MODIFY_ORDER = 17
UPDATE_LEVERAGE = 20
APPROVE_INTEGRATOR = 45

_COMMON = ("AccountIndex", "ApiKeyIndex")
_TAIL_FIELDS: dict[int, tuple[str, ...]] = {
    CREATE_ORDER: ("MarketIndex", "ClientOrderIndex", "BaseAmount", "Price", "IsAsk", "Type", "TimeInForce",
                   "ReduceOnly", "TriggerPrice", "OrderExpiry"),
    CANCEL_ORDER: ("MarketIndex", "Index"),
    CANCEL_ALL: ("TimeInForce", "Time"),
    MODIFY_ORDER: ("MarketIndex", "Index", "BaseAmount", "Price", "TriggerPrice"),
    UPDATE_LEVERAGE: ("MarketIndex", "InitialMarginFraction", "MarginMode"),
    CHANGE_PUB_KEY: (),
    APPROVE_INTEGRATOR: ("IntegratorAccountIndex", "MaxPerpsTakerFee", "MaxPerpsMakerFee", "MaxSpotTakerFee",
                         "MaxSpotMakerFee", "ApprovalExpiry"),
}  # fmt: skip
SUPPORTED_TYPES = frozenset(_TAIL_FIELDS)
L2_TYPES = frozenset({8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 28, 29, 35, 36, 41, 42, 45})

# attribute key → (min, max, nil)
ATTRIBUTES: dict[int, tuple[int, int, int]] = {
    1: (0, 2**48 - 2, 0),  # integrator account index
    2: (0, 1_000_000, 0),  # integrator taker fee (per million)
    3: (0, 1_000_000, 0),  # integrator maker fee
    4: (1, 1, 0),  # skip-nonce
    5: (0, 255, 255),  # cancel-all market index (0 is a real market)
    6: (0, 3, 0),  # self-trade behaviour
    7: (0, 1, 0),  # self-trade equality
}
SKIP_NONCE = 4
CANCEL_ALL_MARKET = 5
MAX_ATTRIBUTES = 4

MAX_ACCOUNT_INDEX = 2**48 - 2
MAX_API_KEY_INDEX = 254
MAX_CLIENT_ORDER_INDEX = 2**48 - 1
MAX_ORDER_INDEX = 2**60 - 1
MAX_BASE_AMOUNT = 2**48 - 1
MAX_PRICE = 2**32 - 1
MAX_TIMESTAMP = 2**48 - 1
MINUTE_MS = 60_000
DAY_MS = 24 * 60 * MINUTE_MS


def is_perp(market: int) -> bool:
    return 0 <= market <= 254


def is_spot(market: int) -> bool:
    return 2048 <= market <= 4094


@dataclass(frozen=True)
class Tx:
    """One parsed L2 transaction. `fields` holds the integer fields (and PubKey bytes / L1Sig text)."""

    tx_type: int
    fields: Mapping[str, Any]
    attributes: Mapping[int, int]
    sig: bytes
    text: str  # tx_info as received, for GET /api/v1/tx

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    @property
    def account(self) -> int:
        return int(self.fields["AccountIndex"])

    @property
    def key_index(self) -> int:
        return int(self.fields["ApiKeyIndex"])

    @property
    def nonce(self) -> int:
        return int(self.fields["Nonce"])

    @property
    def expired_at(self) -> int:
        return int(self.fields["ExpiredAt"])

    def attribute(self, key: int) -> int:
        return self.attributes.get(key, ATTRIBUTES[key][2])

    @property
    def skip_nonce(self) -> bool:
        return self.attribute(SKIP_NONCE) == 1

    def non_nil_attributes(self) -> list[tuple[int, int]]:
        return sorted((k, v) for k, v in self.attributes.items() if v != ATTRIBUTES[k][2])


# ------------------------------------------------------------------------------------- parsing


def _int_field(info: Mapping[str, Any], name: str) -> int:
    if name not in info:
        raise invalid_tx_info(f"missing {name}")
    value = info[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_tx_info(f"{name} must be an integer")
    if not 0 <= value < 2**63:
        raise invalid_tx_info(f"{name} out of range")
    return value


def _attributes(raw: Any) -> dict[int, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise invalid_tx_info("L2TxAttributes must be an object or null")
    out: dict[int, int] = {}
    for key, value in raw.items():
        index = inbound.integer(key) if isinstance(key, str) else None
        if index not in ATTRIBUTES:
            raise invalid_tx_info(f"unknown attribute {key[:40]!r}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise invalid_tx_info(f"attribute {key} must be a non-negative integer")
        out[index] = value
    if sum(1 for k, v in out.items() if v != ATTRIBUTES[k][2]) > MAX_ATTRIBUTES:
        raise invalid_tx_info("too many attributes")
    return out


def _signature(info: Mapping[str, Any]) -> bytes:
    sig = info.get("Sig")
    if not isinstance(sig, str):
        raise invalid_tx_info("missing Sig")
    try:
        raw = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError):
        raise LighterError(E.INVALID_SIGNATURE) from None
    if len(raw) != 80:
        raise LighterError(E.INVALID_SIGNATURE)
    return raw


def parse_tx(tx_type: Any, tx_info: Any) -> Tx:
    """A Tx from the form's `tx_type` (int or decimal text) and `tx_info` (JSON text, or the object
    WS `jsonapi/sendtx` carries). LighterError 21501 / 21505 / 21120 when it cannot be read."""
    if isinstance(tx_type, str):
        tx_type = inbound.integer(tx_type.strip())
    if isinstance(tx_type, bool) or not isinstance(tx_type, int):
        raise invalid_tx_info("tx_type must be an integer")
    if tx_type not in SUPPORTED_TYPES:
        raise LighterError(E.UNSUPPORTED_TX_TYPE)
    if isinstance(tx_info, (str, bytes)):
        try:
            info = inbound.loads(tx_info)  # too deep, too big, not UTF-8 or not JSON: all 21501
        except ValueError:
            raise invalid_tx_info("tx_info is not JSON") from None
        text = tx_info.decode() if isinstance(tx_info, bytes) else tx_info
    elif isinstance(tx_info, dict):
        info, text = tx_info, json.dumps(tx_info, separators=(",", ":"))
    else:
        raise invalid_tx_info("missing tx_info")
    if not isinstance(info, dict):
        raise invalid_tx_info("tx_info must be a JSON object")
    names = (*_COMMON, *_TAIL_FIELDS[tx_type], "ExpiredAt", "Nonce")
    fields: dict[str, Any] = {name: _int_field(info, name) for name in names}
    if tx_type == CHANGE_PUB_KEY:
        fields["PubKey"] = _pub_key(info.get("PubKey"))
    if tx_type in (CHANGE_PUB_KEY, APPROVE_INTEGRATOR):
        l1 = info.get("L1Sig", "")
        if not isinstance(l1, str):
            raise invalid_tx_info("L1Sig must be a string")
        fields["L1Sig"] = l1
    return Tx(tx_type, fields, _attributes(info.get("L2TxAttributes")), _signature(info), text)


def _pub_key(value: Any) -> bytes:
    if not isinstance(value, str):
        raise invalid_tx_info("missing PubKey")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_tx_info("PubKey is not base64") from None
    if F.from_bytes(raw) is None:
        raise invalid_tx_info("PubKey must be 40 bytes of canonical limbs")
    return raw


# ------------------------------------------------------------------------------------- hashing

Limbs = tuple[int, int, int, int, int]


def message(tx: Tx, chain_id: int) -> Limbs:
    """m = H5(chain, type, Nonce, ExpiredAt, AccountIndex, ApiKeyIndex, tail...), then aggregated
    with the hash of the non-nil attributes when there are any."""
    elements = [chain_id, tx.tx_type, tx.nonce, tx.expired_at, tx.account, tx.key_index]
    if tx.tx_type == CHANGE_PUB_KEY:
        elements += F.limbs(F.from_bytes(tx["PubKey"]) or 0)
    else:
        elements += [tx[name] for name in _TAIL_FIELDS[tx.tx_type]]
    m0 = hash_to_quintic(elements)
    pairs = tx.non_nil_attributes()
    if not pairs:
        return m0
    flat = [x for pair in pairs for x in pair]
    attributes = hash_to_quintic(flat + [0] * (2 * MAX_ATTRIBUTES - len(flat)))
    return hash_to_quintic([*m0, *attributes])


def tx_hash(m: Limbs) -> str:
    """Lowercase hex of m as 40 little-endian bytes (80 chars, no 0x)."""
    return b"".join(v.to_bytes(8, "little") for v in m).hex()


def auth_message(deadline: int, account: int, key_index: int) -> Limbs:
    """The auth token's m: the ASCII of "deadline:account:key", zero-padded to 8-byte limbs."""
    text = f"{deadline}:{account}:{key_index}".encode()
    text += b"\0" * (-len(text) % 8)
    return hash_to_quintic([int.from_bytes(text[i : i + 8], "little") for i in range(0, len(text), 8)])


# ---------------------------------------------------------------------------------- validation


def _check(condition: bool, code: int, detail: str = "") -> None:
    if not condition:
        raise LighterError(code, detail)


def _validate_attributes(tx: Tx) -> None:
    attrs = tx.attributes
    if len(attrs) > MAX_ATTRIBUTES:
        raise invalid_tx_info("too many attributes")
    for key, value in attrs.items():
        low, high, nil = ATTRIBUTES[key]
        if value != nil and not low <= value <= high:
            raise invalid_tx_info(f"attribute {key} out of range")
    has_fees = tx.attribute(2) != 0 or tx.attribute(3) != 0
    if has_fees and tx.attribute(1) == 0:
        raise invalid_tx_info("integrator fees need an integrator account index")
    if has_fees and (tx.attribute(6) != 0 or tx.attribute(7) != 0):
        raise invalid_tx_info("self-trade modes cannot be combined with integrator fees")
    if tx.attribute(6) == 3 and tx.attribute(7) == 1:
        raise invalid_tx_info("self-trade reduce mode needs account-index equality")


def validate(tx: Tx, now_ms: int, *, expiry_window: bool = True) -> None:
    """The signer's `Validate()` rules (and the protocol windows), with the venue's codes."""
    _validate_attributes(tx)
    _check(tx.expired_at <= MAX_TIMESTAMP, E.INVALID_TX_INFO, "invalid ExpiredAt")
    kind = tx.tx_type
    if kind == CREATE_ORDER:
        _validate_create(tx, now_ms, expiry_window)
    elif kind in (CANCEL_ORDER, MODIFY_ORDER):
        market = tx["MarketIndex"]
        _check(is_perp(market) or is_spot(market), E.INVALID_MARKET)
        _check(1 <= tx["Index"] <= MAX_ORDER_INDEX, E.INVALID_ORDER_INDEX)
        if kind == MODIFY_ORDER:
            _check(1 <= tx["BaseAmount"] <= MAX_BASE_AMOUNT, E.INVALID_BASE_AMOUNT)
            _check(1 <= tx["Price"] <= MAX_PRICE, E.INVALID_PRICE)
            _check(tx["TriggerPrice"] <= MAX_PRICE, E.INVALID_TRIGGER_PRICE)
    elif kind == CANCEL_ALL:
        _validate_cancel_all(tx, now_ms)
    elif kind == UPDATE_LEVERAGE:
        market = tx["MarketIndex"]
        _check(market != 255 and (is_perp(market) or is_spot(market)), E.INVALID_MARKET)
        _check(tx["MarginMode"] in (0, 1), E.INVALID_TX_INFO, "invalid margin mode")
        _check(1 <= tx["InitialMarginFraction"] <= 10_000, E.INVALID_TX_INFO, "invalid initial margin fraction")
    elif kind == APPROVE_INTEGRATOR:
        _check(1 <= tx["IntegratorAccountIndex"] <= MAX_ACCOUNT_INDEX, E.INVALID_TX_INFO, "invalid integrator")
        for name in ("MaxPerpsTakerFee", "MaxPerpsMakerFee", "MaxSpotTakerFee", "MaxSpotMakerFee"):
            _check(tx[name] <= 1_000_000, E.INVALID_TX_INFO, f"invalid {name}")
        _check(tx["ApprovalExpiry"] <= MAX_TIMESTAMP, E.INVALID_EXPIRY)


def _validate_create(tx: Tx, now_ms: int, expiry_window: bool) -> None:
    market = tx["MarketIndex"]
    perp, spot = is_perp(market), is_spot(market)
    _check(perp or spot, E.INVALID_MARKET)
    coi = tx["ClientOrderIndex"]
    _check(coi == 0 or 1 <= coi <= MAX_CLIENT_ORDER_INDEX, E.INVALID_CLIENT_ORDER_INDEX)
    base, reduce_only = tx["BaseAmount"], tx["ReduceOnly"]
    _check(base <= MAX_BASE_AMOUNT and (base > 0 or reduce_only == 1), E.INVALID_BASE_AMOUNT)
    _check(1 <= tx["Price"] <= MAX_PRICE, E.INVALID_PRICE)
    _check(tx["IsAsk"] in (0, 1), E.INVALID_IS_ASK)
    tif, order_type, expiry, trigger = tx["TimeInForce"], tx["Type"], tx["OrderExpiry"], tx["TriggerPrice"]
    _check(tif in (0, 1, 2), E.INVALID_TIME_IN_FORCE)
    _check(reduce_only in (0, 1) and not (spot and reduce_only == 1), E.INVALID_REDUCE_ONLY)
    if order_type == 1:  # market
        _check(tif == 0, E.INVALID_TIME_IN_FORCE)
        _check(expiry == 0, E.INVALID_EXPIRY)
        _check(trigger == 0, E.INVALID_TRIGGER_PRICE)
    elif order_type == 0:  # limit
        _check(trigger == 0, E.INVALID_TRIGGER_PRICE)
        _check((tif == 0) == (expiry == 0), E.INVALID_EXPIRY)
    elif order_type in (2, 4):  # stop-loss, take-profit
        _check(perp, E.INVALID_ORDER_TYPE)
        _check(tif == 0, E.INVALID_TIME_IN_FORCE)
        _check(trigger != 0, E.INVALID_TRIGGER_PRICE)
        _check(expiry != 0, E.INVALID_EXPIRY)
    elif order_type in (3, 5):  # stop-loss-limit, take-profit-limit
        _check(perp, E.INVALID_ORDER_TYPE)
        _check(trigger != 0, E.INVALID_TRIGGER_PRICE)
        _check(expiry != 0, E.INVALID_EXPIRY)
    elif order_type == 6:  # TWAP
        _check(tif == 1, E.INVALID_TIME_IN_FORCE)
        _check(trigger == 0, E.INVALID_TRIGGER_PRICE)
        _check(expiry != 0, E.INVALID_EXPIRY)
    else:
        raise LighterError(E.INVALID_ORDER_TYPE)
    _check(trigger <= MAX_PRICE, E.INVALID_TRIGGER_PRICE)
    if expiry_window and expiry != 0:
        _check(now_ms + 5 * MINUTE_MS <= expiry <= now_ms + 30 * DAY_MS, E.INVALID_EXPIRY)


def _validate_cancel_all(tx: Tx, now_ms: int) -> None:
    tif, when = tx["TimeInForce"], tx["Time"]
    scoped = tx.attribute(CANCEL_ALL_MARKET) != 255
    if scoped and tif != 0:
        raise LighterError(E.INVALID_CANCEL_ALL_TIF, "a market-scoped cancel-all cannot be scheduled")
    if tif in (0, 2):
        _check(when == 0, E.INVALID_CANCEL_ALL_TIME)
    elif tif == 1:
        _check(now_ms + 5 * MINUTE_MS <= when <= now_ms + 15 * DAY_MS, E.INVALID_CANCEL_ALL_TIME)
    else:
        raise LighterError(E.INVALID_CANCEL_ALL_TIF)
