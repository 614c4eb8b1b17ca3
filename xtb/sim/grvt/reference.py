"""Reference routes of the market-data host beside the instruments (spec §4.2 names them, "not
needed at start-up"; their shapes are gravity-technologies/api-spec's): the margin rules of an
instrument, the assets each wallet holds, and the collateral assets.

Like the other exceptions of §4.0 (`get_sub_accounts`, `get_all_initial_leverage`), these answer
without a `result` wrapper. The simulator has one collateral, USDT, and one margin tier per
instrument: its maximum leverage, the initial margin rate that leverage means and the engine's
maintenance fraction (the one `account_summary` reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xtb.sim.engine import Engine
from xtb.sim.grvt import leverage as lv
from xtb.sim.grvt import payloads as pl
from xtb.sim.grvt.auth import Ctx
from xtb.sim.grvt.errors import GrvtError
from xtb.sim.grvt.figures import Figures
from xtb.sim.grvt.settings import CURRENCY_IDS, QUOTE, MarketDef

QUOTE_ASSET = {"asset_id": CURRENCY_IDS[QUOTE], "asset_code": QUOTE, "balance_decimals": 6}


class ReferenceData:
    def __init__(self, markets: Mapping[str, MarketDef], engine: Engine, figures: Figures) -> None:
        self.markets = markets
        self.engine = engine
        self.figures = figures

    async def margin_rules(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        name = body.get("instrument")
        market = self.markets.get(name) if isinstance(name, str) else None
        if market is None:
            raise GrvtError(3000)
        maximum = self.figures.max_leverage(market.instrument)
        maintenance = self.engine.market(market.instrument).maintenance_margin_fraction
        bracket = {
            "tier": 1, "notional_floor": "0.0", "maintenance_margin_rate": pl.num(maintenance),
            "initial_margin_rate": pl.num(lv.fraction_of(Decimal(maximum))), "max_leverage": maximum,
            "cumulative_maintenance_amount": "0.0",
        }  # fmt: skip
        return {"instrument": market.instrument, "max_position_size": pl.num(market.max_position_size),
                "risk_brackets": [bracket]}  # fmt: skip

    async def supported_assets(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"funding": [QUOTE_ASSET], "spot": [QUOTE_ASSET],
                "futures": [{"mode": "SINGLE_ASSET_MODE", "supported_assets": [QUOTE_ASSET]}]}  # fmt: skip

    async def collateral_assets(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        """USDT counts in full (a collateral value ratio of 100 percentage points), uncapped, never
        borrowed."""
        asset = {"currency": QUOTE, "collateral_value_ratio": pl.num(Decimal(100)), "collateral_deposit_cap": "0.0",
                 "max_borrow_rate": "0.0", "manual_repayment_fee_rate": "0.0", "cdc_status": "NORMAL"}  # fmt: skip
        return {"assets": [asset]}
