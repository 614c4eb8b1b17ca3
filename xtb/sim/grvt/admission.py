"""What a parsed `create_order` must pass before anything is created, in the spec's order (§2.7,
§4.6): chain id (1012), signature format (2005-2007), recovery (2002), authorisation (2000, 2003,
1400, 2004), expiry (2001, 2008), then the business checks of §4.6.
"""

from __future__ import annotations

import asyncio
from typing import Any

from xtb.sim.engine import Engine
from xtb.sim.engine_types import AccountId
from xtb.sim.grvt import eip712
from xtb.sim.grvt.auth import Accounts
from xtb.sim.grvt.builders import Builders
from xtb.sim.grvt.checks import (
    BOOK_TIFS,
    EMPTY_ORDER_IDS,
    POST_ONLY_TIFS,
    ZERO,
    ParsedOrder,
    hex32,
    signed_message,
)
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.parts import Parts
from xtb.sim.grvt.settings import GrvtSettings


async def verify(parts: Parts, order: ParsedOrder, main: str) -> bytes:
    """Steps 3-7 of §2.7; returns the signed digest (the payload's identity for replays). Recovery
    runs in a worker thread: it is the expensive part and must not stall the venue's loop."""
    settings = parts.settings
    if order.chain_id is not None and order.chain_id not in settings.accepted_chain_ids:
        raise GrvtError(1012)
    if order.v not in (27, 28):
        raise GrvtError(2005)
    r, s = hex32(order.r, 2006), hex32(order.s, 2006)
    if s > eip712.SECP256K1_N // 2:
        raise GrvtError(2007)
    primary, message = signed_message(order)
    chains = [order.chain_id] if order.chain_id is not None else _server_first(settings)
    signed = await asyncio.to_thread(_recover_any, primary, message, chains, order.v, r, s, order.signer)
    if signed is None:
        raise GrvtError(2002)
    grants = parts.accounts.signers(order.sub_account_id)
    grant = grants.get(order.signer)
    if grant is None:
        raise GrvtError(2000)
    account = parts.accounts.by_sub_account(order.sub_account_id)
    if account is None or parts.accounts.main_of(account) != main:
        raise GrvtError(2003)
    if "Trade" not in grant.permissions:
        raise GrvtError(1400)
    now_ns = parts.clock.now_ns()
    if grant.expires_ns is not None and grant.expires_ns <= now_ns:
        raise GrvtError(2004)
    if order.expiration <= now_ns:
        raise GrvtError(2001)
    if order.expiration > now_ns + int(settings.max_signature_s * 1e9):
        raise GrvtError(2008)
    return signed


def _server_first(settings: GrvtSettings) -> list[int]:
    own = settings.chain_id
    return [own, *(c for c in settings.accepted_chain_ids if c != own)]


def _recover_any(
    primary: str, message: dict[str, Any], chains: list[int], v: int, r: int, s: int, signer: str
) -> bytes | None:
    for chain in chains:
        signable = eip712.typed_message(primary, message, chain)
        if eip712.recover(signable, v, r, s) == signer:
            return eip712.digest(signable)
    return None


def business(parts: Parts, builders: Builders, order: ParsedOrder, account: AccountId) -> None:
    """§4.6, synchronous refusals after the signature checks (nothing is created)."""
    raw, m = order.raw, order.market
    if str(raw.get("order_id") or "") not in EMPTY_ORDER_IDS:
        raise GrvtError(2010)
    if raw.get("state"):
        raise GrvtError(2050)
    if order.client_order_id is None:
        raise GrvtError(2011)
    if order.legs > 1:
        raise GrvtError(2042)
    if order.time_in_force not in BOOK_TIFS:
        raise GrvtError(2030)
    if order.post_only and order.time_in_force not in POST_ONLY_TIFS:
        raise GrvtError(2032)
    if order.is_market and order.limit_price:
        raise GrvtError(2020)
    if not order.is_market and not order.limit_price:
        raise GrvtError(2021)
    if not m.active:
        raise GrvtError(2060)
    existing = parts.state.by_cid(account, order.client_order_id)
    if existing is not None and existing.active:
        raise GrvtError(2012)
    _check_size(parts.engine, order)
    _check_builder(builders, parts.accounts, order, account)
    if sum(1 for rec in parts.state.orders(account) if rec.active) >= parts.settings.max_open_orders:
        raise GrvtError(2090)
    position = parts.engine.position(account, m.instrument).size
    signed = order.size if order.is_buy else -order.size
    if order.reduce_only:
        if not position:
            raise GrvtError(2400)
        if (position > 0) == order.is_buy:
            raise GrvtError(2401)
        if order.size > abs(position) and parts.settings.reduce_only_oversize == "reject":
            raise GrvtError(2402)
    elif abs(position + signed) > m.max_position_size:
        raise GrvtError(2081)


def _check_size(engine: Engine, order: ParsedOrder) -> None:
    m = order.market
    if order.size < m.min_size:
        raise GrvtError(2062)
    if order.limit_price and order.limit_price % m.tick_size:
        raise GrvtError(2064)
    if order.size % m.min_size:
        raise GrvtError(2065)
    price = order.limit_price
    if not price:
        top = engine.top_of_book(m.instrument)
        price = (top.ask if order.is_buy else top.bid) or ZERO
    if price and order.size * price < m.min_notional:
        raise GrvtError(2067 if order.reduce_only else 2066)


def _check_builder(builders: Builders, accounts: Accounts, order: ParsedOrder, account: AccountId) -> None:
    if not eip712.has_builder(order.builder):
        return
    assert order.builder is not None
    if order.builder_fee < 0:
        raise GrvtError(7501)
    builder = order.builder.lower()
    if not builders.exists(builder):
        raise GrvtError(7502)
    granted = builders.authorized(accounts.main_of(account)).get(builder)
    if granted is None:
        raise GrvtError(7504)
    if order.builder_fee > granted[0]:
        raise GrvtError(7500)
