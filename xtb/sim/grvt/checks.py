"""`create_order` from JSON to a parsed order and the struct its signature covers (§2.6, §2.7):
malformed fields (1003), unknown instrument (2061), and the field readers other routes share. What
is checked of a parsed order next, in the spec's order, is `xtb.sim.grvt.admission`.

Every order-field variant of §9.6 is accepted: 9-decimal sizes, "0E-9" / null / absent / "0"
market prices, chain_id as a string, a number or absent, nonces up to 2^32-1, client order ids up
to 2^64-1, the zero forms of `builder`, and unknown keys anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from xtb.model import Side
from xtb.sim import inbound
from xtb.sim.grvt import eip712
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.settings import MarketDef

U32 = 2**32 - 1
U64 = 2**64 - 1
ZERO = Decimal(0)
BOOK_TIFS = frozenset({"GOOD_TILL_TIME", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL"})
POST_ONLY_TIFS = frozenset({"GOOD_TILL_TIME", "ALL_OR_NONE"})
EMPTY_ORDER_IDS = frozenset({"", "0", "0x0", "0x00"})
_HEX = frozenset("0123456789abcdefABCDEF")
MAX_MAGNITUDE = 40  # powers of ten: beyond any size, price or fee, and far inside Decimal's exponent range


def malformed(what: str) -> GrvtError:
    return GrvtError(1003, f"Request could not be processed due to malformed syntax: {what}")


def decimal(value: Any, what: str, *, zero_if_missing: bool = False, signed: bool = False) -> Decimal:
    """A venue decimal from a string (or a JSON number read as Decimal); never a binary float."""
    if value is None and zero_if_missing:
        return ZERO
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise malformed(what)
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError):
        raise malformed(what) from None
    if not result.is_finite() or (result < 0 and not signed):
        raise malformed(what)
    if result and not -MAX_MAGNITUDE <= result.adjusted() <= MAX_MAGNITUDE:  # 1e999999 overflows arithmetic
        raise malformed(what)
    return result


def uint(value: Any, what: str, maximum: int) -> int:
    """An unsigned integer sent as a JSON number or a decimal string (1003 otherwise)."""
    if isinstance(value, str):
        value = inbound.integer(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise malformed(what)
    return value


def is_address(value: Any) -> bool:
    """`0x` and 40 hex digits (int(x, 16) alone would let signs, spaces and underscores through)."""
    return isinstance(value, str) and len(value) == 42 and value.startswith("0x") and _HEX.issuperset(value[2:])


def hex256(value: Any) -> int | None:
    """A signature's r or s: hex text of at most 64 digits (with or without 0x), else None."""
    if not isinstance(value, str):
        return None
    body = value[2:] if value[:2] in ("0x", "0X") else value
    return int(body, 16) if 0 < len(body) <= 64 and _HEX.issuperset(body) else None


def flag(obj: Mapping[str, Any], key: str) -> bool:
    value = obj.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise malformed(key)
    return value


@dataclass(frozen=True)
class ParsedOrder:
    raw: Mapping[str, Any]
    sub_account_id: str
    market: MarketDef
    is_market: bool
    time_in_force: str
    post_only: bool
    reduce_only: bool
    legs: int
    is_buy: bool
    size: Decimal
    limit_price: Decimal
    signer: str
    v: int
    r: str
    s: str
    nonce: int
    expiration: int
    chain_id: int | None
    client_order_id: str | None
    builder: str | None
    builder_fee: Decimal

    @property
    def side(self) -> Side:
        return Side.BUY if self.is_buy else Side.SELL

    def signature_echo(self) -> dict[str, Any]:
        return {"signer": self.signer, "r": self.r, "s": self.s, "v": self.v,
                "expiration": str(self.expiration), "nonce": self.nonce}  # fmt: skip


def parse_order(body: Any, markets: Mapping[str, MarketDef]) -> ParsedOrder:
    order = body.get("order") if isinstance(body, Mapping) else None
    if not isinstance(order, Mapping):
        raise malformed("order")
    legs = order.get("legs")
    if legs is None or (isinstance(legs, list) and not legs):
        raise GrvtError(2040)
    if not isinstance(legs, list) or not all(isinstance(leg, Mapping) for leg in legs):
        raise malformed("legs")
    leg = legs[0]
    instrument = leg.get("instrument")
    if not isinstance(instrument, str):
        raise malformed("legs.instrument")
    for other in legs:
        if other.get("instrument") not in markets:
            raise GrvtError(2061)
    sig = order.get("signature")
    if not isinstance(sig, Mapping):
        raise malformed("signature")
    signer = sig.get("signer")
    if not isinstance(signer, str) or len(signer) != 42 or not signer.startswith("0x"):
        raise malformed("signature.signer")
    metadata = order.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise malformed("metadata")
    cid = metadata.get("client_order_id")
    if cid is not None:
        cid = str(uint(cid, "metadata.client_order_id", U64))
    tif = order.get("time_in_force")
    if not isinstance(tif, str) or tif not in eip712.TIME_IN_FORCE:
        raise malformed("time_in_force")
    chain = sig.get("chain_id")
    builder = order.get("builder")
    if builder is not None and not isinstance(builder, str):
        raise malformed("builder")
    is_buy = leg.get("is_buying_asset")
    if not isinstance(is_buy, bool):
        raise malformed("legs.is_buying_asset")
    return ParsedOrder(
        raw=order,
        sub_account_id=str(uint(order.get("sub_account_id"), "sub_account_id", U64)),
        market=markets[instrument],
        is_market=flag(order, "is_market"),
        time_in_force=tif,
        post_only=flag(order, "post_only"),
        reduce_only=flag(order, "reduce_only"),
        legs=len(legs),
        is_buy=is_buy,
        size=decimal(leg.get("size"), "legs.size"),
        limit_price=decimal(leg.get("limit_price"), "legs.limit_price", zero_if_missing=True),
        signer=signer.lower(),
        v=sig.get("v") if isinstance(sig.get("v"), int) and not isinstance(sig.get("v"), bool) else -1,
        r=str(sig.get("r", "")),
        s=str(sig.get("s", "")),
        nonce=uint(sig.get("nonce"), "signature.nonce", U32),
        expiration=uint(sig.get("expiration"), "signature.expiration", 2**63 - 1),
        chain_id=None if chain in (None, "", "0", 0) else uint(chain, "signature.chain_id", U64),
        client_order_id=cid,
        builder=builder,
        builder_fee=decimal(order.get("builder_fee"), "builder_fee", zero_if_missing=True, signed=True),
    )


def hex32(value: str, code: int) -> int:
    body = value[2:] if value.startswith("0x") else ""
    if len(body) != 64:
        raise GrvtError(code)
    try:
        return int(body, 16)
    except ValueError:
        raise GrvtError(code) from None


def signed_message(order: ParsedOrder) -> tuple[str, dict[str, Any]]:
    """The struct the signature covers (§2.6), scaled by truncation."""
    m = order.market
    leg = {
        "assetID": m.asset_id,
        "contractSize": eip712.truncate_scaled(order.size, m.base_decimals),
        "limitPrice": eip712.truncate_scaled(order.limit_price, eip712.PRICE_DECIMALS),
        "isBuyingContract": order.is_buy,
    }
    if leg["contractSize"] > U64 or leg["limitPrice"] > U64:
        raise malformed("legs: size or price out of range")
    fee = max(ZERO, order.builder_fee)
    builder_fee = eip712.truncate_scaled(fee, eip712.BUILDER_FEE_DECIMALS)
    if builder_fee > U32:
        raise malformed("builder_fee")
    return eip712.order_message(
        sub_account_id=int(order.sub_account_id), is_market=order.is_market,
        time_in_force=eip712.TIME_IN_FORCE[order.time_in_force], post_only=order.post_only,
        reduce_only=order.reduce_only, legs=[leg], nonce=order.nonce, expiration=order.expiration,
        builder=order.builder, builder_fee=builder_fee,
    )  # fmt: skip
