"""Other traders on the same account, for the scenarios about scope: another run of the gate (its
own run tag) and a person (client ids with no run tag). Each trades through its own connector of
the same class, over the venue's protocol like ours — nothing is planted behind the venue's back.

Only one of these connectors is started at a time: some venues sequence an account's requests
(Lighter's nonce per API key), and two live writers on one key would refuse each other.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from xtb.checks import steps
from xtb.checks.steps import VenueUnderTest
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdGenerator, ClientIdPolicy
from xtb.model import OrderState, Side
from xtb.orders.tracker import OrderTracker


class UntaggedIds(ClientIdGenerator):
    """Client ids a person (or another tool) would use: valid for the venue, carrying no run tag of
    any gate run we know. `avoid` are the generators whose runs must not own them."""

    def __init__(self, policy: ClientIdPolicy, avoid: list[ClientIdGenerator], rng: random.Random | None = None):
        super().__init__(policy, rng)
        self._avoid = avoid

    def next(self) -> str:
        policy = self.policy
        for _ in range(1000):
            if policy.kind == "hex":
                digits = "".join(self._rng.choice("0123456789abcdef") for _ in range(policy.hex_digits))
                candidate = f"{policy.prefix}{digits}"
            elif policy.kind == "str":
                letters = [c for c in "manual" if c in policy.alphabet] or [policy.alphabet[0]]
                digits = [c for c in "0123456789" if c in policy.alphabet]
                candidate = "".join(letters) + "".join(self._rng.choice(digits) for _ in range(10))
                candidate = candidate[: policy.max_length]
            else:
                candidate = str(self._rng.randint(policy.min_value, policy.max_value))
            if not any(g.owns(candidate) for g in [*self._avoid, self]):
                return candidate
        raise RuntimeError("no client id outside the known runs' tags")  # pragma: no cover - 2**-1000


@asynccontextmanager
async def trader(venue: VenueUnderTest, client_ids: ClientIdGenerator, symbol: str) -> AsyncIterator[BaseConnector]:
    """A started connector of the venue's class on the same account, streaming `symbol`, with its
    own client ids; stopped on exit (its orders stay on the venue)."""
    config = dataclasses.replace(venue.connector.config, symbols=(symbol,))
    connector = type(venue.connector)(config, client_ids=client_ids)
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


async def rest_passive(
    venue: VenueUnderTest, connector: BaseConnector, symbol: str, side: Side, ticks_away: int
) -> OrderTracker:
    """A post-only order of the venue's minimum size, `ticks_away` ticks behind the touch of
    `symbol`, resting (OPEN) before this returns."""
    market = await connector.get_market_info(symbol)
    book = await connector.get_top_of_book(symbol)
    touch = book.touch(side)
    if touch is None:
        raise AssertionError(f"{venue.name} {symbol}: no {side.value} side in the book")
    size = market.min_order_size(touch)
    price = market.passive_price(touch - side.sign * ticks_away * market.tick_at(touch), side)
    tracker = await connector.submit_limit_order(symbol, side, size, price, post_only=True)
    await steps.wait_state(tracker, {OrderState.OPEN}, venue.config.tracking.settle_time)
    return tracker


async def open_on_venue(venue: VenueUnderTest, symbol: str) -> dict[str, Decimal]:
    """The simulator's truth: the account's open orders on `symbol`, client id → remaining size."""
    await steps.sim_account(venue)
    orders = await steps.sim_control(venue).open_orders(symbol)
    return {str(o["client_id"]): Decimal(str(o["size"])) - Decimal(str(o["filled"])) for o in orders}
