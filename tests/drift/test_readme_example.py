"""README's "Venue drift" example is this output, verbatim: the example cannot go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from xtb.cli import main
from xtb.drift.shape_file import ShapeFile

ROOT = Path(__file__).resolve().parents[2]


def example_files(directory: Path) -> tuple[Path, Path]:
    """A Backpack order as the venue writes it (padded decimals, selfTradePrevention, a trigger
    price that is null until set) and as a simulator might."""
    venue = ShapeFile("backpack", "venue", "2026-12-07", "mainnet")
    simulator = ShapeFile("backpack", "simulator", "2026-12-07", "simulator")
    order = {
        "id": "118464817309188096",
        "clientId": 17,
        "symbol": "SOL_USDC_PERP",
        "side": "Bid",
        "orderType": "Limit",
        "price": "98.50",
        "quantity": "0.10",
        "executedQuantity": "0",
        "status": "New",
        "timeInForce": "GTC",
        "postOnly": True,
        "createdAt": 1788367430247,
        "selfTradePrevention": "RejectTaker",
        "triggerPrice": None,
    }
    venue.add("GET /api/v1/order", order)
    venue.add("GET /api/v1/order", {**order, "status": "TriggerPending", "triggerPrice": "97.00"})
    sim = {k: v for k, v in order.items() if k != "selfTradePrevention"}
    sim |= {"price": "98.5", "quantity": "0.1", "triggerPrice": "97"}
    simulator.add("GET /api/v1/order", sim)
    simulator.add("GET /api/v1/order", {**sim, "status": "Filled", "executedQuantity": "0.1"})
    fill = {"e": "orderFill", "E": 1, "s": "SOL_USDC_PERP", "i": "1184", "l": "0.1", "L": "98.5", "m": True}
    venue.add("orderFill", fill)
    simulator.add("orderFill", fill)
    depth = {"e": "depth", "E": 1, "s": "SOL_USDC_PERP", "a": [["98.6", "1"]], "b": [], "U": 1, "u": 2}
    simulator.add("depth", depth)
    return venue.write(directory / "backpack-venue.json"), simulator.write(directory / "backpack-sim.json")


def test_the_readme_shows_the_real_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["drift", "backpack-venue.json", "backpack-sim.json"])
    out = capsys.readouterr().out
    readme = (ROOT / "README.md").read_text()
    shown = '$ xtb drift backpack-venue.json backpack-sim.json; echo "exit $?"\n' + out + f"exit {code}\n"
    assert shown in readme
