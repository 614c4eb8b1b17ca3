"""The composite answers built from other `/info` answers (spec §4.2, §4.2.4, §5.3): `webData2`,
`portfolio`, `subAccounts`, and what the socket's `userFundings`, `activeAssetCtx`,
`activeAssetData` and `webData2` channels carry.

`webData2` is the legacy shape (§4.2.4) unless the run switches it off (`reject_webdata2`, §10.21):
then `/info` answers it as an unknown type (HTTP 422) and the socket refuses the subscription as
unreadable, which is how the venue answers a type it no longer has. Vaults, TWAPs and spot balances
are not simulated, so their parts are empty; `cumLedger` is "0.0" (deposits are not a ledger here).

`portfolio` has no shape in the spec; its shape is the official docs' ("Query a user's portfolio":
`[[period, {accountValueHistory: [[ms, value]], pnlHistory: [[ms, pnl]], vlm}]]` for day, week,
month, allTime and their perp-only twins). The simulator keeps no history of account values, so
each series is one point, now: the account value, and the fills' closed PnL less fees in the period
plus today's unrealised PnL; `vlm` is the fills' notional in the period. No spot: the perp twins
equal the combined ones. An address that is no account gets empty series.

`subAccounts` is `[]`: the simulator has no sub-accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xtb.model import ZERO
from xtb.sim.hyperliquid import margin
from xtb.sim.hyperliquid.canonical import Undeserializable
from xtb.sim.hyperliquid.info import InfoDesk, user_field
from xtb.sim.hyperliquid.subscriptions import Subscription
from xtb.sim.hyperliquid.wire import decimal_str

DAY_MS = 86_400_000
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("day", DAY_MS),
    ("week", 7 * DAY_MS),
    ("month", 30 * DAY_MS),
    ("allTime", None),
)
CHANGING = frozenset({"activeAssetData", "webData2"})  # pushed again when the user's account changes


class AccountViews:
    """Installs the composite `/info` types on `desk` and renders the view channels' messages."""

    def __init__(self, desk: InfoDesk) -> None:
        self.desk = desk
        self.venue = desk.venue
        desk.add_type("webData2", self.web_data2)
        desk.add_type("portfolio", self.portfolio)
        desk.add_type("subAccounts", self.sub_accounts)

    # ---------------------------------------------------------------------------- /info

    def web_data2(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        if self.venue.settings.reject_webdata2:
            raise Undeserializable("webData2 is switched off (reject_webdata2)")
        desk, venue = self.desk, self.venue
        user = user_field(payload)
        meta, ctxs = desk.meta_and_asset_ctxs({})
        book = venue.state.known(user)
        agents = sorted(book.agents.values(), key=lambda a: (a.name != "", a.name)) if book is not None else []
        return {
            "clearinghouseState": desk.clearinghouse_state({"user": user}),
            "leadingVaults": [],
            "totalVaultEquity": "0.0",
            "openOrders": desk.frontend_open_orders({"user": user}),
            "agentAddress": agents[0].address if agents else None,
            "agentValidUntil": agents[0].valid_until if agents else None,
            "cumLedger": "0.0",
            "meta": meta,
            "assetCtxs": ctxs,
            "serverTime": venue.now_ms(),
            "isVault": False,
            "user": user,
            "twapStates": [],
            "spotState": {"balances": []},
            "spotAssetCtxs": [],
        }

    def portfolio(self, payload: Mapping[str, Any]) -> list[Any]:
        venue = self.venue
        user = user_field(payload)
        now = venue.now_ms()
        figures = venue.figures(user)
        book = venue.state.known(user)
        fills = list(book.fills) if book is not None else []
        unrealised = sum((p.unrealized_pnl for p in figures.positions), ZERO) if figures is not None else ZERO
        rows: list[Any] = []
        for perp_only in (False, True):
            for name, span in PERIODS:
                period = [f for f in fills if span is None or int(f["time"]) >= now - span]  # type: ignore[call-overload]
                volume = sum((Decimal(str(f["px"])) * Decimal(str(f["sz"])) for f in period), ZERO)
                pnl = sum((Decimal(str(f["closedPnl"])) - Decimal(str(f["fee"])) for f in period), ZERO) + unrealised
                key = "perp" + name[0].upper() + name[1:] if perp_only else name
                value = figures.margin_summary.account_value if figures is not None else None
                rows.append(
                    [
                        key,
                        {
                            "accountValueHistory": [] if value is None else [[now, decimal_str(margin.usd(value))]],
                            "pnlHistory": [] if value is None else [[now, decimal_str(margin.usd(pnl))]],
                            "vlm": decimal_str(margin.usd(volume)),
                        },
                    ]
                )
        return rows

    def sub_accounts(self, payload: Mapping[str, Any]) -> list[Any]:
        user_field(payload)
        return []

    # ---------------------------------------------------------------------------- socket

    def refuses(self, kind: str) -> bool:
        """Whether the socket reads a subscription of `kind` as unknown right now."""
        return kind == "webData2" and self.venue.settings.reject_webdata2

    def view(self, sub: Subscription) -> Any:
        """The message a view channel carries for `sub` now (its snapshot, and each push)."""
        desk, kind, user, coin = self.desk, sub.type, sub.user, sub.coin
        if kind == "userFundings":
            fundings = desk.user_funding({"user": user, "startTime": 0})
            return {"isSnapshot": True, "user": user, "fundings": fundings}
        if kind == "activeAssetCtx":
            return {"coin": coin, "ctx": desk.asset_ctx(str(coin))}
        if kind == "activeAssetData":
            return desk.active_asset_data({"user": user, "coin": coin})
        if kind == "webData2":
            return self.web_data2({"user": user})
        raise ValueError(f"{kind} is no view channel")
