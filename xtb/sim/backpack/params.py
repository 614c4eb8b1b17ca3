"""Request parsing the venue's way: what its parameter and payload parsers refuse is a plain-text
400; what parses but makes no sense is a JSON error (spec §4.5, §7.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from xtb.model import OrderType, Side
from xtb.sim import inbound
from xtb.sim.backpack.auth import RawNumber, compact
from xtb.sim.backpack.errors import (
    ENUM_PROBLEM,
    ApiError,
    field_error,
    invalid_request,
    invalid_symbol,
    param_error,
    payload_error,
)
from xtb.sim.backpack.payloads import SIDES, WIDE
from xtb.sim.backpack.settings import MarketDef

UINT32_MAX = 2**32 - 1
DECIMAL_MAX = Decimal(2**96 - 1)  # the venue's decimals (rust_decimal): a 96-bit mantissa, at most 28 places
DECIMAL_SCALE = 28
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
SELF_TRADE_PREVENTION = ("RejectTaker", "RejectMaker", "RejectBoth")
ORDER_TYPES = {"Limit": OrderType.LIMIT, "Market": OrderType.MARKET}
MARKET_TYPES = ("SPOT", "PERP", "IPERP", "DATED", "PREDICTION", "RFQ")
BODY: web.RequestKey[Any] = web.RequestKey("backpack_body")
"""The parsed JSON body of a signed request (numbers as `RawNumber`), kept by `authenticate`."""
_UNSUPPORTED = (
    "stopLossTriggerPrice",
    "stopLossLimitPrice",
    "takeProfitTriggerPrice",
    "takeProfitLimitPrice",
)


@dataclass(frozen=True)
class OrderArgs:
    """A parsed order payload; decimals keep the exponent they were written with."""

    market: MarketDef
    side: Side
    order_type: OrderType
    quantity: Decimal | None
    quote_quantity: Decimal | None
    price: Decimal | None
    time_in_force: str
    post_only: bool
    reduce_only: bool | None
    client_id: int | None
    self_trade_prevention: str


@dataclass(frozen=True)
class CancelArgs:
    market: MarketDef
    order_id: str | None
    client_id: int | None


# -------------------------------------------------------------------------------- body fields


def _object(body: Any, payload: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        found = "nothing" if body is None else compact(body)[:200]
        raise payload_error(f'Expected input type "{payload}", found {found}')
    return body


def _required(body: Mapping[str, Any], key: str, payload: str) -> Any:
    if body.get(key) is None:
        raise payload_error(f'failed to parse "{payload}": field `{key}` is required')
    return body[key]


def _symbol(body: Mapping[str, Any], markets: Mapping[str, MarketDef], payload: str) -> MarketDef:
    value = _required(body, "symbol", payload)
    if isinstance(value, RawNumber) or not isinstance(value, str):
        raise field_error("MarketSymbol", "expected a string", payload)
    market = markets.get(value)
    if market is None:
        raise field_error("MarketSymbol", "Invalid market symbol", payload)
    return market


def _enum(body: Mapping[str, Any], key: str, type_name: str, choices: Any, payload: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, RawNumber) or not isinstance(value, str) or value not in choices:
        raise field_error(type_name, ENUM_PROBLEM, payload)  # `side: []` too: not a variant
    return str(value)


def _decimal(body: Mapping[str, Any], key: str, payload: str) -> Decimal | None:
    """A decimal string (JSON numbers accepted too, Sim default §3.3)."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise field_error("Decimal", f"invalid type for `{key}`", payload)
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise field_error("Decimal", f"invalid decimal {value[:100]!r}", payload) from None
    if not result.is_finite() or not _fits(result):  # 1e999999 and 5,000 digits fail the venue's parser
        raise field_error("Decimal", f"invalid decimal {value[:100]!r}", payload)
    return result


def _fits(value: Decimal) -> bool:
    """Whether the venue's decimal type holds `value` (checked on the exponent first: no huge ints)."""
    if not value:
        return True
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if value.adjusted() > 28 or -exponent > DECIMAL_SCALE:
        return False
    return value.copy_abs().scaleb(max(0, -exponent), context=WIDE) <= DECIMAL_MAX


def _bool(body: Mapping[str, Any], key: str, payload: str) -> bool | None:
    value = body.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise field_error("boolean", f"expected a boolean for `{key}`", payload)


def _uint32(value: Any, type_error: Any) -> int:
    number = inbound.integer(value) if isinstance(value, RawNumber) else None
    if number is None or number > UINT32_MAX:
        raise type_error
    return number


def _client_id(body: Mapping[str, Any], payload: str) -> int | None:
    value = body.get("clientId")
    if value is None:
        return None
    return _uint32(value, field_error("integer(uint32)", f"invalid clientId {compact(value)}", payload))


def decimals(value: Decimal) -> int:
    """Decimal places as written, trailing zeros included ("150.00" → 2)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


# ---------------------------------------------------------------------------------- payloads


def parse_order(body: Any, markets: Mapping[str, MarketDef]) -> OrderArgs:
    """An `OrderExecutePayload`; unknown fields are ignored (they were signed all the same)."""
    payload = "OrderExecutePayload"
    obj = _object(body, payload)
    market = _symbol(obj, markets, payload)
    side = SIDES[_enum(obj, "side", "Side", SIDES, payload) or _required(obj, "side", payload)]
    order_type = ORDER_TYPES[
        _enum(obj, "orderType", "OrderTypeEnum", ORDER_TYPES, payload) or _required(obj, "orderType", payload)
    ]
    quantity = _decimal(obj, "quantity", payload)
    quote_quantity = _decimal(obj, "quoteQuantity", payload)
    price = _decimal(obj, "price", payload)
    tif = _enum(obj, "timeInForce", "TimeInForce", TIME_IN_FORCE, payload) or "GTC"
    stp = _enum(obj, "selfTradePrevention", "SelfTradePrevention", SELF_TRADE_PREVENTION, payload) or "RejectTaker"
    post_only = bool(_bool(obj, "postOnly", payload))
    reduce_only = _bool(obj, "reduceOnly", payload)
    for key in ("autoLend", "autoLendRedeem", "autoBorrow", "autoBorrowRepay"):
        _bool(obj, key, payload)
    cid = _client_id(obj, payload)
    _decimal(obj, "triggerPrice", payload)
    if (obj.get("triggerPrice") is None) != (obj.get("triggerQuantity") is None):
        raise invalid_request("Must specify both `triggerPrice` and `triggerQuantity` or neither")
    if obj.get("triggerPrice") is not None or any(obj.get(k) is not None for k in _UNSUPPORTED):
        raise ApiError(400, "INVALID_ORDER", "Conditional orders are not supported by this simulator")
    if order_type is OrderType.LIMIT:
        if price is None or quantity is None:
            raise invalid_request("Limit orders require a price and a quantity")
        quote_quantity = None
    else:
        if quantity is None and quote_quantity is None:
            raise invalid_request("Market orders require a quantity or a quote quantity")
        price = None
        post_only = False
    if price is not None and decimals(price) > market.price_decimals:
        raise invalid_request("Price decimal too long")
    if quantity is not None and decimals(quantity) > market.size_decimals:
        raise invalid_request("Quantity decimal too long")
    if quote_quantity is not None and quote_quantity <= 0:
        raise ApiError(400, "INVALID_QUANTITY", "Invalid quantity")
    return OrderArgs(market, side, order_type, quantity, quote_quantity, price, tif, post_only, reduce_only, cid, stp)


def parse_cancel(body: Any, markets: Mapping[str, MarketDef]) -> CancelArgs:
    payload = "OrderCancelPayload"
    obj = _object(body, payload)
    market = _symbol(obj, markets, payload)
    raw_id = obj.get("orderId")
    order_id = None
    if raw_id is not None:
        if not isinstance(raw_id, str):
            raise field_error("String", "expected a string for `orderId`", payload)
        order_id = str(raw_id)
    cid = _client_id(obj, payload)
    if (order_id is None) == (cid is None):
        raise invalid_request("Must specify either orderId or clientId")
    return CancelArgs(market, order_id, cid)


def parse_cancel_all(body: Any, markets: Mapping[str, MarketDef]) -> tuple[MarketDef, str | None]:
    payload = "OrderCancelAllPayload"
    obj = _object(body, payload)
    market = _symbol(obj, markets, payload)
    kind = _enum(obj, "orderType", "CancelOrderTypeEnum", ("RestingLimitOrder", "ConditionalOrder"), payload)
    return market, kind


def parse_account_update(body: Any) -> Decimal | None:
    """The `leverageLimit` of an account settings update (None: not sent); the auto-borrow / lend
    flags must be booleans but change nothing (the simulator neither borrows nor lends). Sim: the
    payload type name is the OpenAPI schema's."""
    payload = "UpdateAccountSettingsRequest"
    obj = _object(body, payload)
    for key in ("autoBorrowSettlements", "autoLend", "autoRepayBorrows"):
        _bool(obj, key, payload)
    return _decimal(obj, "leverageLimit", payload)


# ------------------------------------------------------------------------------ query params


def query_symbol(
    query: Mapping[str, str], markets: Mapping[str, MarketDef], *, required: bool = True
) -> MarketDef | None:
    symbol = query.get("symbol")
    if symbol is None:
        if required:
            raise param_error("symbol", "MarketSymbol")
        return None
    market = markets.get(symbol)
    if market is None:
        raise invalid_symbol()
    return market


def query_enum(query: Mapping[str, str], key: str, type_name: str, choices: Any) -> str | None:
    value = query.get(key)
    if value is not None and value not in choices:
        raise param_error(key, type_name, ENUM_PROBLEM)
    return value


def query_uint(query: Mapping[str, str], key: str, default: int | None = None) -> int | None:
    value = query.get(key)
    if value is None:
        return default
    number = inbound.integer(value)
    if number is None or number >= 2**64:
        problem = "number too large to fit in target type" if value.isascii() and value.isdigit() else None
        raise param_error(key, "integer(uint64)", problem or "invalid digit found in string")
    return number


def query_client_id(query: Mapping[str, str]) -> int | None:
    value = query.get("clientId")
    if value is None:
        return None
    return _uint32(RawNumber(value), param_error("clientId", "integer(uint32)", "invalid digit found in string"))


def query_order_ids(query: Mapping[str, str]) -> tuple[str | None, int | None]:
    """orderId or clientId, exactly one (both or neither → 400)."""
    order_id = query.get("orderId")
    cid = query_client_id(query)
    if (order_id is None) == (cid is None):
        raise invalid_request("Must specify either orderId or clientId")
    return order_id, cid


def query_side(query: Mapping[str, str]) -> Side:
    value = query_enum(query, "side", "Side", SIDES)
    if value is None:
        raise param_error("side", "Side")
    return SIDES[value]


def query_decimal(query: Mapping[str, str], key: str) -> Decimal | None:
    value = query.get(key)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise param_error(key, "Decimal", "invalid decimal") from None
    if not number.is_finite() or not _fits(number):
        raise param_error(key, "Decimal", "invalid decimal")
    return number


def query_bool(query: Mapping[str, str], key: str) -> bool | None:
    value = query.get(key)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise param_error(key, "boolean", "provided string was not `true` or `false`")
    return value == "true"
