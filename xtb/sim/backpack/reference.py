"""Public reference data of spec §4.2 and §4.15 drawn from the simulator's markets: the assets it
trades, the one collateral asset (USDC at full weight, as `/capital/collateral` counts it, margined
at the fractions of an account that set no leverage), and empty lists for what the simulator has
none of (equities, market sessions, borrow/lend, vaults, wallets)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from xtb.sim.backpack.payloads import plain
from xtb.sim.backpack.settings import QUOTE_ASSET, MarketDef

DISPLAY_NAMES = {"USDC": "USD Coin", "SOL": "Solana", "BTC": "Bitcoin", "ETH": "Ethereum"}
QUOTE_DECIMALS = 6  # USDC's on-chain decimals
EMPTY_LIST_ROUTES = (
    "/api/v1/securities",  # equity metadata: `[]` is a valid answer (§4.2)
    "/api/v1/market-sessions",  # no session-traded markets
    "/api/v1/borrowLend/markets",  # no borrow/lend
    "/api/v1/vaults",
    "/api/v1/wallets",
)


def _token(name: str, decimals: int) -> dict[str, Any]:
    """The simulator takes no deposits and makes no withdrawals: both are disabled."""
    return {
        "blockchain": "Solana",
        "contractAddress": "",  # always a string (§9.27)
        "depositEnabled": False,
        "displayName": name,
        "maximumWithdrawal": None,
        "minimumDeposit": "0",
        "minimumWithdrawal": "0",
        "nativeDecimals": decimals,
        "withdrawEnabled": False,
        "withdrawalFee": "0",
    }


def asset_decimals(markets: Iterable[MarketDef]) -> dict[str, int]:
    """The collateral asset, then each market's base asset once: the assets the venue knows."""
    decimals = {QUOTE_ASSET: QUOTE_DECIMALS}
    for market in markets:
        decimals.setdefault(market.base, market.size_decimals)
    return decimals


def assets_json(markets: Iterable[MarketDef]) -> list[dict[str, Any]]:
    rows = []
    for symbol, places in asset_decimals(markets).items():
        name = DISPLAY_NAMES.get(symbol, symbol)
        rows.append({"symbol": symbol, "displayName": name, "coingeckoId": None, "tokens": [_token(name, places)]})
    return rows


def collateral_json(imf: Decimal, mmf: Decimal) -> list[dict[str, Any]]:
    return [
        {
            "symbol": QUOTE_ASSET,
            "imfFunction": {"type": "sqrt", "base": plain(imf), "factor": "0"},
            "mmfFunction": {"type": "sqrt", "base": plain(mmf), "factor": "0"},
            "haircutFunction": {"weight": "1", "kind": {"type": "identity"}},
        }
    ]
