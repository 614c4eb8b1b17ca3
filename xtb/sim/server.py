"""Start simulated venues: each gets its own engine with the venue's markets, a running synthetic
market per market, a pre-funded test account whose credentials depend only on the seed, the control
API on its main site, and loopback ports. The handles say where everything is."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xtb.clock import SYSTEM_CLOCK, Clock
from xtb.sim.control import MarketSet, SimControl
from xtb.sim.engine import Engine
from xtb.sim.frontend import CONTROL_PREFIX, MAIN_SITE, FrontEnd
from xtb.sim.registry import FrontEndFactory, Registry, default_registry

log = logging.getLogger(__name__)


@dataclass
class SimHandle:
    """One running simulated venue and what a client needs to reach it."""

    name: str
    engine: Engine
    frontend: FrontEnd
    markets: MarketSet
    control: SimControl
    account: dict[str, Any] = field(default_factory=dict)  # credentials of the pre-funded test account

    @property
    def urls(self) -> dict[str, Any]:
        """The front-end's URLs (a dict per role where the venue has several hosts) plus `control`."""
        return {**self.frontend.urls(), "control": self.frontend.base_url(MAIN_SITE) + CONTROL_PREFIX}

    def describe(self) -> dict[str, Any]:
        """The line `python -m xtb.sim` prints: venue, rest, ws, control, any other URLs, account."""
        urls = self.urls
        line: dict[str, Any] = {"venue": self.name}
        for key in ("rest", "ws", "control"):
            line[key] = urls.pop(key, None)
        line.update(urls)
        line["account"] = self.account
        return line

    async def stop(self) -> None:
        await self.markets.stop()
        await self.frontend.stop()


async def start_simulator(
    name: str,
    factory: FrontEndFactory,
    *,
    host: str = "127.0.0.1",
    port: int | Mapping[str, int] = 0,
    seed: int = 0,
    run_markets: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> SimHandle:
    """Build and start one simulated venue. `run_markets=False` leaves the synthetic markets
    quoted but still (tests drive them through the control API)."""
    engine = Engine(clock, seed=seed)
    frontend = factory(engine, seed=seed)
    sim_markets = list(frontend.sim_markets())
    for market in sim_markets:
        engine.add_market(market.spec)
    markets = MarketSet(engine, {m.spec.symbol: m.settings for m in sim_markets}, seed=seed)
    markets.build()
    control = SimControl(engine, frontend, markets, default_accounts={frontend.test_account: frontend.test_collateral})
    accounts = control.create_default_accounts()
    frontend.mount(CONTROL_PREFIX, control.http_app())
    await frontend.start(host, port)
    if run_markets:
        markets.start()
    handle = SimHandle(name, engine, frontend, markets, control, accounts[frontend.test_account])
    log.info("simulator started venue=%s urls=%s", name, handle.urls)
    return handle


async def start_simulators(
    names: Iterable[str] | None = None,
    *,
    registry: Registry | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 0,
    run_markets: bool = True,
) -> list[SimHandle]:
    """Start the named simulators (every registered one when None). Port 0 picks free ports; a
    port P gives the sites of all venues P, P+1, ... in order. On a failure, the ones already
    started are stopped again."""
    registry = registry if registry is not None else default_registry()
    chosen = list(registry.names() if names is None else names)
    factories = [(name, registry.factory(name)) for name in chosen]  # unknown names fail before any start
    handles: list[SimHandle] = []
    next_port = port
    try:
        for name, factory in factories:
            handle = await start_simulator(name, factory, host=host, port=next_port, seed=seed, run_markets=run_markets)
            handles.append(handle)
            if port:
                next_port += len(handle.frontend.site_names)
    except BaseException:
        await stop_simulators(handles)
        raise
    return handles


async def stop_simulators(handles: Iterable[SimHandle]) -> None:
    for handle in reversed(list(handles)):
        try:
            await handle.stop()
        except Exception:
            log.exception("simulator %s did not stop cleanly", handle.name)
