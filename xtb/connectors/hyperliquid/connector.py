"""HyperliquidConnector: the venue's REST hooks and the wiring on BaseConnector, nothing else.

The base owns the lifecycle, reconnects, reconciliation, order tracking and the outcome policy
(docs/connectors.md section 2.2). Each hook below raises NotImplementedError until written; a good
order is the one `start()` calls them in: `_on_start` (keys), `_load_markets`, the streams
(streams.py), then the order hooks. Each reads an endpoint (endpoints.py) through `self.rest` and
maps the answer with mapping.py.
"""

from __future__ import annotations

import string

from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdPolicy
from xtb.connectors.hyperliquid.auth import Signer
from xtb.connectors.hyperliquid.errors import TABLE
from xtb.connectors.hyperliquid.rest import HyperliquidRest
from xtb.connectors.hyperliquid.settings import HyperliquidExtra
from xtb.connectors.hyperliquid.streams import HyperliquidStreams
from xtb.connectors.started_only import StartedOnly
from xtb.model import Balance, Fill, MarketInfo, OrderRequest, OrderSnapshot, Position, TopOfBook
from xtb.orders.tracker import OrderTracker

GUIDE = "docs/connectors.md section 2.1"


class HyperliquidConnector(BaseConnector):
    # what the venue accepts as a client order id, from its documented limits (section 4)
    client_id_policy = ClientIdPolicy.string(36, string.ascii_letters + string.digits + "-_")
    errors = TABLE
    extra_type = HyperliquidExtra
    ordered_books = False  # True when a real-time best bid/offer is read beside the depth stream (2.5)
    settings: HyperliquidExtra
    rest = StartedOnly[HyperliquidRest]()

    async def _on_start(self) -> None:
        signer = Signer.from_credentials(self.config.credentials)
        self.rest = HyperliquidRest(self.http, self.config.rest_url, signer)
        raise NotImplementedError(
            f"_on_start: not implemented yet — make one signed call that proves the keys (raise AuthError on "
            f"bad ones), sync the clock if the venue checks timestamps, then drop this line ({GUIDE})"
        )

    def _streams(self) -> HyperliquidStreams:
        return HyperliquidStreams(self.sink, self.http, self.config.ws_url, self.settings, self.config.symbols)

    async def _load_markets(self) -> dict[str, MarketInfo]:
        raise NotImplementedError(
            f"_load_markets: not implemented yet — read the venue's market list (endpoint 'markets') and map "
            f"tick, step, minimum size and notional from its filters with mapping.parse_markets ({GUIDE})"
        )

    async def _fetch_top_of_book(self, symbol: str) -> TopOfBook:
        raise NotImplementedError(
            f"_fetch_top_of_book: not implemented yet — a fresh REST read (endpoint 'book'), source=Source.REST, "
            f"received_at=self.clock.monotonic() ({GUIDE})"
        )

    async def _submit(self, request: OrderRequest) -> OrderSnapshot | None:
        raise NotImplementedError(
            f"_submit: not implemented yet — send mapping.order_params(request) (endpoint 'submit') and return "
            f"the ack as a snapshot; the error table turns refusals into VenueRejected / PostOnlyWouldCross "
            f"({GUIDE})"
        )

    async def _cancel(self, tracker: OrderTracker) -> OrderSnapshot | None:
        raise NotImplementedError(
            f"_cancel: not implemented yet — cancel by venue id, else client id (endpoint 'cancel'); "
            f"OrderNotFound when the venue does not know it as open ({GUIDE})"
        )

    async def _cancel_all(self, symbol: str) -> int:
        raise NotImplementedError(
            f"_cancel_all: not implemented yet — the venue's cancel-all for one symbol (endpoint 'cancel_all'), "
            f"returning how many it cancelled ({GUIDE})"
        )

    async def _fetch_order(self, symbol: str, client_id: str | None, venue_id: str | None) -> OrderSnapshot:
        raise NotImplementedError(
            f"_fetch_order: not implemented yet — one order, open or finished, by venue id or client id "
            f"(endpoint 'order'); OrderNotFound when unknown ({GUIDE})"
        )

    async def _fetch_open_orders(self, symbol: str | None) -> list[OrderSnapshot]:
        raise NotImplementedError(
            f"_fetch_open_orders: not implemented yet — the open orders as snapshots (endpoint 'open_orders') ({GUIDE})"
        )

    async def _fetch_positions(self, symbol: str | None) -> list[Position]:
        raise NotImplementedError(
            f"_fetch_positions: not implemented yet — positions over REST, signed size (endpoint 'positions') ({GUIDE})"
        )

    async def _fetch_balances(self) -> list[Balance]:
        raise NotImplementedError(
            f"_fetch_balances: not implemented yet — total and available per asset (endpoint 'balances') ({GUIDE})"
        )

    async def _fetch_fills(self, symbol: str, client_id: str | None, venue_id: str | None) -> list[Fill]:
        raise NotImplementedError(
            f"_fetch_fills: not implemented yet — every execution of the order from the REST trade history, "
            f"with the trade id its stream message carries (endpoint 'fills') ({GUIDE})"
        )
