"""HyperliquidConnector: Hyperliquid perpetuals on BaseConnector, the venue's REST hooks and wiring.

Decisions (issue #20; the reasons are in auth.py, actions.py, mapping.py and streams.py):
* Signed with eth-account through signing.py, not the official SDK (synchronous, a wall-clock nonce
  per call, and its network guessed from the URL string); the network comes from the venue file's
  `environment` (mainnet only with the runtime's opt-in), decided in auth.py alone.
* Hosts only from the venue file: `hosts.rest` + "/info" and "/exchange", `hosts.ws` (the /ws URL).
* Credentials: `credentials: {agent_private_key: …}` signs, `identifiers: {account_address: …}` is
  queried. `_on_start` proves the pair with `userRole` on the signer: the account itself (role
  user) or an agent whose `data.user` is the account; anything else is an AuthError naming both
  addresses. The proof is remembered per (host, signer, account) for the process: it weighs 60 of
  the 1200 a minute, and the suite starts a connector per scenario.
* The client id is the cloid, `0x` + 32 lower-case hex (ClientIdPolicy.hex).
* Market orders are IOC limits at most `market_slippage` (default 5 %) beyond the best opposite
  price of a fresh `l2Book`, rounded toward the book; reduce-only is `r`.
* Single-order reconcile reads `orderStatus` (weight 2), never `openOrders` (20); cancel-all reads
  `openOrders` for the one coin and cancels those by oid in one action (never account-wide).
"""

from __future__ import annotations

import logging
from typing import Any

from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.hyperliquid import actions, endpoints, mapping
from xtb.connectors.hyperliquid.auth import HyperliquidSigner
from xtb.connectors.hyperliquid.errors import TABLE
from xtb.connectors.hyperliquid.rest import HyperliquidRest
from xtb.connectors.hyperliquid.settings import HyperliquidExtra
from xtb.connectors.hyperliquid.streams import HyperliquidStreams
from xtb.connectors.pacing import RateCard
from xtb.connectors.started_only import StartedOnly
from xtb.errors import AuthError, OrderNotFound, VenueRejected
from xtb.model import (
    Balance,
    Fill,
    MarketInfo,
    OrderRequest,
    OrderSnapshot,
    OrderType,
    Position,
    Rounding,
    Side,
    TopOfBook,
)
from xtb.orders.tracker import OrderTracker

log = logging.getLogger(__name__)
CLOID_HEX_DIGITS = 32

_PROVEN_ROLES: set[tuple[str, str, str]] = set()  # (rest host, signer, account) proven this process


class HyperliquidConnector(BaseConnector):
    client_id_policy = ClientIdPolicy.hex(CLOID_HEX_DIGITS, prefix="0x")
    errors = TABLE
    extra_type = HyperliquidExtra
    ordered_books = True  # the real-time bbo beside the 0.5 s l2Book snapshots
    settings: HyperliquidExtra
    rest = StartedOnly[HyperliquidRest]()

    def _rate_card(self) -> RateCard:
        return endpoints.rate_card(self.settings.weight_per_minute)  # settings are read before the pacer

    # ------------------------------------------------------------------------ lifecycle hooks

    async def _on_start(self) -> None:
        config = self.config
        signer = HyperliquidSigner.from_config(config.credentials, config.identifiers, config.environment)
        self.rest = HyperliquidRest(self.http, config.hosts.get("rest", config.rest_url), signer)
        proof = (config.hosts.get("rest", config.rest_url), signer.signer, signer.account)
        if proof in _PROVEN_ROLES:
            return
        role, master = mapping.user_role(await self.rest.info({"type": "userRole", "user": signer.signer}))
        if not ((role == "user" and signer.signer == signer.account) or (role == "agent" and master == signer.account)):
            trades_for = f" for {master}" if master else ""
            raise AuthError(
                f"the signer {signer.signer} may not trade for the account {signer.account}: the venue says "
                f"its role is {role!r}{trades_for} (approve it as an API wallet of the account, or sign "
                "with the account's own key)",
                venue=self.venue,
            )
        _PROVEN_ROLES.add(proof)

    def _streams(self) -> HyperliquidStreams:
        return HyperliquidStreams(
            self.sink,
            self.http,
            self.config.hosts.get("ws", self.config.ws_url),
            self.rest.account,
            self.config.symbols,
            self._l2_book,
            self.settings.ping_interval_s,
        )

    # ------------------------------------------------------------------------------ REST hooks

    async def _load_markets(self) -> dict[str, MarketInfo]:
        return mapping.parse_markets(await self.rest.info({"type": "meta"}))

    async def _l2_book(self, coin: str) -> Any:
        return await self.rest.info({"type": "l2Book", "coin": coin})

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        book = await self._l2_book(symbol)
        return mapping.parse_top_of_book(book, symbol, self.clock.monotonic())

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        market = await self.get_market_info(request.symbol)
        price = request.price if request.price is not None else await self._market_price(request, market)
        wire = actions.order_wire(request, market, price)
        answer = await self.rest.exchange(actions.order_action([wire]))
        return actions.order_result(actions.statuses(answer, 1, "order")[0], request)

    async def _market_price(self, request: OrderRequest, market: MarketInfo) -> Any:
        """A market order's limit: the best opposite price of a fresh book moved `market_slippage`
        against us, rounded toward the book (so the bound holds), on the venue's price rule."""
        assert request.order_type is OrderType.MARKET
        book = await self._fetch_top_of_book(request.symbol)
        far = book.far_touch(request.side)
        if far is None:
            raise VenueRejected(
                f"no {'ask' if request.side is Side.BUY else 'bid'} in the book to bound a market order",
                venue=self.venue,
                reason="No liquidity available for market order.",
            )
        slippage = self.settings.market_slippage
        if request.side is Side.BUY:
            return market.round_price(far * (1 + slippage), Rounding.DOWN)
        return market.round_price(far * (1 - slippage), Rounding.UP)

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        asset = mapping.asset_id(await self.get_market_info(tracker.symbol))
        if tracker.venue_id is not None:
            action = actions.cancel_action([(asset, int(tracker.venue_id))])
        else:
            action = actions.cancel_by_cloid_action(asset, tracker.client_id)
        answer = await self.rest.exchange(action)
        actions.cancel_result(actions.statuses(answer, 1, "cancel")[0])
        return None  # "success" states nothing about fills: the stream or a query settles it

    async def _cancel_all(self, symbol: str) -> int:
        live = await self._fetch_open_orders(symbol)
        if not live:
            return 0
        asset = mapping.asset_id(await self.get_market_info(symbol))
        pairs = [(asset, int(str(snapshot.venue_id))) for snapshot in live]  # openOrders always carries the oid
        answer = await self.rest.exchange(actions.cancel_action(pairs), batch_length=len(pairs))
        cancelled = 0
        for entry in actions.statuses(answer, len(pairs), "cancel"):
            try:
                actions.cancel_result(entry)
                cancelled += 1
            except OrderNotFound:  # ended meanwhile (filled or cancelled): nothing left to cancel
                pass
        return cancelled

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        if venue_id is None and client_id is None:
            raise OrderNotFound("an order query needs a venue id or a client id", venue=self.venue)
        ref: int | str = int(venue_id) if venue_id is not None else str(client_id).lower()
        answer = await self.rest.info({"type": "orderStatus", "user": self.rest.account, "oid": ref})
        snapshot = mapping.parse_order_status(answer)
        if snapshot is None:
            raise OrderNotFound(f"orderStatus {ref}: unknownOid", venue=self.venue)
        return snapshot

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        rows = await self.rest.info({"type": "openOrders", "user": self.rest.account})
        return mapping.parse_open_orders(rows, symbol)

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        state = await self.rest.info({"type": "clearinghouseState", "user": self.rest.account})
        return mapping.parse_positions(state, symbol)

    async def _fetch_balances(self) -> list[Balance]:
        state = await self.rest.info({"type": "clearinghouseState", "user": self.rest.account})
        return mapping.parse_balances(state)

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        """The order's fills from `userFills` (the 2000 newest, the same `tid` the stream sends),
        by oid; without one, the order is read first (orderStatus, weight 2) for it."""
        if venue_id is None:
            venue_id = (await self._fetch_order(symbol, client_id, None)).venue_id
        rows = await self.rest.info({"type": "userFills", "user": self.rest.account})
        return [f for f in mapping.parse_fills(rows) if f.venue_id == venue_id]
