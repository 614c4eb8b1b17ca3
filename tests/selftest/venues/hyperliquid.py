"""Deliberately broken Hyperliquid connectors: the venue's own ways to sign, read an answer or a
status wrong.

Each is a bug a tired engineer writes against Hyperliquid's wire (spec §12, the conformance
hazards: the signature covers the venue's canonical form of the action, §2.3; `"status":"ok"` wraps
per-order results that may be errors, §4.3; info requests name the account, not the agent that
signs, §2.1; one cancel error covers "filled" too, §4.3.2; a `filled` answer may be short of the
order, §6.2; the status set is open-ended, §6.2; per-order errors end with ` asset=<a>`, §4.3.1;
the network is inside the signature, §2.3). Each overrides the connector's own methods; the
simulator is never touched. The self-test runs the conformance catalog with each one on the
Hyperliquid simulator and expects the scenario named in EXPECTED_FAILURES to fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tests.selftest.venues import read_status_as_open
from xtb.connectors.hyperliquid import HyperliquidConnector, actions, mapping, statuses
from xtb.errors import OrderNotFound, PostOnlyWouldCross, VenueRejected
from xtb.model import Balance, Fill, MarketInfo, OrderRequest, OrderSnapshot, OrderState, Position, Source
from xtb.orders.tracker import OrderTracker


class TrailingZerosSigned(HyperliquidConnector):
    """Writes the price with the market's fixed number of decimals (`f"{price:.{price_decimals}f}"`:
    ETH's 6 − 4 = 2, so "3498.10", "3498.00") and signs that. The venue reads the JSON into its
    structs and hashes their canonical form ("3498.1", "3498"), so the signature is over other bytes
    and recovers a stranger: "User or API Wallet 0x… does not exist." (hazards 2 and 3, §2.3, §3).
    ETH's prices at the 0.1 tick never carry two significant decimals, so every order is refused
    (an AuthError) and cancel_resting never gets a resting order."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = await self.get_market_info(request.symbol)
        price = request.price if request.price is not None else await self._market_price(request, market)
        wire = actions.order_wire(request, market, price)
        wire["p"] = f"{price:.{market.price_decimals}f}"  # the bug: the market's decimals, zeros kept
        answer = await self.rest.exchange(actions.order_action([wire]))
        return actions.order_result(actions.statuses(answer, 1, "order")[0], request)


class StatusOkIsSuccess(HyperliquidConnector):
    """Reads `{"status":"ok"}` as "the order was placed" and never looks for a per-order
    `{"error": …}` in `response.data.statuses` (hazard 1, §4.3.1): a post-only order priced through
    the touch, which the venue refuses in that entry ("Post only order would have immediately
    matched…", nothing rests), is believed resting, so post_only_would_cross sees no
    PostOnlyWouldCross."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = await self.get_market_info(request.symbol)
        price = request.price if request.price is not None else await self._market_price(request, market)
        answer = await self.rest.exchange(actions.order_action([actions.order_wire(request, market, price)]))
        entry = actions.statuses(answer, 1, "order")[0]
        if answer["status"] == "ok" and isinstance(entry, Mapping) and "error" in entry:  # the bug: ok is ok
            return OrderSnapshot(
                request.symbol,
                OrderState.OPEN,
                Source.REST,
                client_id=request.client_id,
                side=request.side,
                size=request.size,
                price=request.price,
                venue_status="ok",
            )
        return actions.order_result(entry, request)


class QueriesWithAgentAddress(HyperliquidConnector):
    """Asks `/info` about the address it signs with (the agent, from the key) instead of the account
    (hazard 6, §2.1): positions, balances, open orders, order status and fills. The venue answers an
    agent address with empty state, and the simulator's test account signs with an agent, so the
    REST position reads flat after an entry fills: reduce_only_flatten waits for the long in vain.
    (The streams keep the account: the socket's example names the user, and it looks fine.)"""

    @property
    def _who(self) -> str:
        return self.rest.signer.signer  # the bug: the signer, not self.rest.account

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        ref: int | str = int(venue_id) if venue_id is not None else str(client_id).lower()
        answer = await self.rest.info({"type": "orderStatus", "user": self._who, "oid": ref})
        snapshot = mapping.parse_order_status(answer)
        if snapshot is None:
            raise OrderNotFound(f"orderStatus {ref}: unknownOid", venue=self.venue)
        return snapshot

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        return mapping.parse_open_orders(await self.rest.info({"type": "openOrders", "user": self._who}), symbol)

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        state = await self.rest.info({"type": "clearinghouseState", "user": self._who})
        return mapping.parse_positions(state, symbol)

    async def _fetch_balances(self) -> list[Balance]:
        return mapping.parse_balances(await self.rest.info({"type": "clearinghouseState", "user": self._who}))

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        if venue_id is None:
            venue_id = (await self._fetch_order(symbol, client_id, None)).venue_id
        rows = await self.rest.info({"type": "userFills", "user": self._who})
        return [f for f in mapping.parse_fills(rows) if f.venue_id == venue_id]


class CancelErrorIsCancelled(HyperliquidConnector):
    """Takes the cancel's `Order was never placed, already canceled, or filled.` as "it is cancelled"
    (hazard 15, §4.3.2, §6.3): one text covers a filled order too. In cancel_races_fill the order
    fills while the cancel is held and its stream messages are lost, so the venue answers the cancel
    with that text and the connector ends the filled order CANCELLED without asking."""

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        try:
            return await super()._cancel(tracker)
        except OrderNotFound as exc:  # the bug: "already canceled" read, "or filled" not
            return OrderSnapshot(
                tracker.symbol,
                OrderState.CANCELLED,
                Source.REST,
                client_id=tracker.client_id,
                venue_id=tracker.venue_id,
                filled=tracker.filled,
                venue_status="canceled",
                reason=str(exc),
            )


class FilledMeansWhole(HyperliquidConnector):
    """Reads an order result `{"filled": {"totalSz", "avgPx", "oid"}}` as "the whole order filled",
    never comparing `totalSz` with the size sent (§6.2: totalSz < s is an IOC whose rest was
    cancelled, or a reduce-only order capped at the position, §6.3). reduce_only_oversize sends a
    reduce-only market sell of twice the position; the venue fills the position's size and the
    connector records twice that."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        snapshot = await super()._submit(request)
        if snapshot is not None and snapshot.venue_status == "filled":  # the bug: filled is filled
            return replace(snapshot, state=OrderState.FILLED, filled=request.size)
        return snapshot


UNHANDLED_STATUS = "selfTradeCanceled"


class UnknownStatusIsOpen(HyperliquidConnector):
    """Its status table lacks `selfTradeCanceled` (one of the many `*Canceled` endings the venue
    gives an order on its own, §6.2) and maps a status it does not know to OPEN instead of raising
    (hazard 8): a partly filled order the venue ended for self-trade prevention is believed to rest,
    so refusal_after_partial_fill never sees it end."""

    async def start(self) -> None:
        read_status_as_open(statuses, UNHANDLED_STATUS)
        await super().start()


#: The post-only refusal as the docs print it (`…, bbo was {bbo}.`), anchored at both ends.
DOCS_POST_ONLY_TEXT = re.compile(r"Post only order would have immediately matched, bbo was [0-9.]+@[0-9.]+\.")


class AssetSuffixUnmatched(HyperliquidConnector):
    """Matches per-order error texts whole, as the docs print them (hazard 8, §4.3.1): the live
    venue appends ` asset=<a>` after the final dot, so the post-only refusal no longer matches and
    is read as a plain refusal (VenueRejected) instead of PostOnlyWouldCross. post_only_would_cross
    expects PostOnlyWouldCross (the venue file declares the synchronous reject); a chase would stop
    instead of re-quoting."""

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = await self.get_market_info(request.symbol)
        price = request.price if request.price is not None else await self._market_price(request, market)
        answer = await self.rest.exchange(actions.order_action([actions.order_wire(request, market, price)]))
        entry: Any = actions.statuses(answer, 1, "order")[0]
        if isinstance(entry, Mapping) and "error" in entry:
            text = str(entry["error"])
            if DOCS_POST_ONLY_TEXT.fullmatch(text):  # the bug: the docs' sentence, whole
                raise PostOnlyWouldCross(text, venue=self.venue, reason=text)
            raise VenueRejected(text, venue=self.venue, reason=text)
        return actions.order_result(entry, request)


class NetworkFromUrl(HyperliquidConnector):
    """Decides the network from the REST URL, as the official SDK does (hazard 4, §1, §2.3): here
    "mainnet unless the host says testnet", so behind a proxy or on the simulator (a loopback URL)
    it signs with the mainnet phantom agent (`source` "a") while the venue verifies testnet ("b").
    The venue recovers a stranger and refuses every action; cancel_resting never gets its order."""

    async def _on_start(self) -> None:
        await super()._on_start()
        host = self.config.hosts.get("rest", self.config.rest_url)
        self.rest.signer = replace(self.rest.signer, mainnet="testnet" not in host)  # the bug


class DelistedFilteredFirst(HyperliquidConnector):
    """Drops the delisted coins from `meta.universe` and then numbers what is left (hazard 10, §3):
    the asset id is the index counting delisted entries, so every coin after the first delisted
    one gets the id of the coin before it. The simulator's universe is BTC, ETH, MATIC (delisted),
    SOL, and the venue file's second symbol is SOL (asset 3): the bug sends its orders to asset 2,
    which the venue refuses, and the scenario that trades the second symbol fails."""

    async def _load_markets(self) -> dict[str, MarketInfo]:
        meta = await self.rest.info({"type": "meta"})
        listed = [entry for entry in meta["universe"] if not entry.get("isDelisted")]  # the bug: filtered first
        return mapping.parse_markets({**meta, "universe": listed})


# The scenario that must fail for each variant.
EXPECTED_FAILURES: dict[str, str] = {
    "TrailingZerosSigned": "cancel_resting",
    "StatusOkIsSuccess": "post_only_would_cross",
    "QueriesWithAgentAddress": "reduce_only_flatten",
    "CancelErrorIsCancelled": "cancel_races_fill",
    "FilledMeansWhole": "reduce_only_oversize",
    "UnknownStatusIsOpen": "refusal_after_partial_fill",
    "AssetSuffixUnmatched": "post_only_would_cross",
    "NetworkFromUrl": "cancel_resting",
    "DelistedFilteredFirst": "foreign_orders_left_alone",
}
