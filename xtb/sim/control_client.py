"""The simulator's control API (`/_sim`) seen from a client, over HTTP: what scenarios, benchmarks
and a person running `python -m xtb.sim` as a local testnet use to steer it."""

from __future__ import annotations

from typing import Any

import aiohttp


class SimControlClient:
    """The simulator's control API (`/_sim`) over HTTP, for one venue."""

    def __init__(self, base_url: str, account: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        query = {k: str(v) for k, v in params.items() if v is not None}
        async with self._session.request(method, self.base_url + path, json=body, params=query or None) as resp:
            payload = await resp.json(content_type=None)
            if resp.status >= 400:
                raise RuntimeError(f"simulator control {method} {path} answered {resp.status}: {payload}")
            return payload

    async def freeze(self, symbol: str) -> None:
        await self.call("POST", f"/markets/{symbol}/freeze")

    async def unfreeze(self, symbol: str) -> None:
        await self.call("POST", f"/markets/{symbol}/unfreeze")

    async def move_touch(self, symbol: str, ticks: int) -> Any:
        return await self.call("POST", f"/markets/{symbol}/move", {"ticks": ticks})

    async def take(self, symbol: str, side: str, fraction: str) -> Any:
        """Taker flow now: `side` is the side of the resting orders to hit ("buy" = the bids)."""
        return await self.call("POST", f"/markets/{symbol}/take", {"side": side, "fraction": fraction})

    async def add_faults(self, spec: Any) -> Any:
        return await self.call("POST", "/faults", spec)

    async def clear_faults(self) -> None:
        await self.call("DELETE", "/faults")

    async def release_held(self) -> None:
        """Let the requests a "hold" fault holds go on now."""
        await self.call("POST", "/faults/release")

    async def truth(self) -> Any:
        return await self.call("GET", "/truth", account=self.account)

    async def book(self, symbol: str) -> Any:
        return await self.call("GET", f"/markets/{symbol}/book")

    async def faults(self) -> Any:
        """The armed faults and the `applied` log (newest last)."""
        return await self.call("GET", "/faults")

    async def requests(self) -> Any:
        """The simulator's request log (oldest first): method, path, status, ts, fault, dropped."""
        return await self.call("GET", "/requests")

    async def clear_requests(self) -> None:
        await self.call("DELETE", "/requests")

    async def accounts(self) -> Any:
        return await self.call("GET", "/accounts")

    async def open_orders(self, market: str | None = None) -> Any:
        return await self.call("GET", "/orders", account=self.account, market=market)

    async def positions(self) -> Any:
        return await self.call("GET", "/positions", account=self.account)

    async def order(self, client_id: str) -> Any:
        """One of the account's orders (live or closed) by its client id, as the simulator holds it."""
        return await self.call("GET", "/order", account=self.account, client_id=client_id)

    async def fills(self, market: str | None = None) -> Any:
        """The account's executions, oldest first, as the simulator booked them."""
        return await self.call("GET", "/fills", account=self.account, market=market)

    async def expire(self, order_id: Any, reason: str = "self_trade") -> Any:
        """The venue ends a live order on its own (self-trade prevention), keeping its fills."""
        return await self.call("POST", f"/orders/{order_id}/expire", {"reason": reason})

    async def configure(self, settings: Any) -> Any:
        """Apply the run's simulator settings (the venue file's `simulator.settings`: rate limits,
        on-demand fills); the simulator refuses, by name, any it does not know. Returns them all."""
        return await self.call("PUT", "/settings", settings)

    async def settings(self) -> Any:
        """The simulator's current run settings."""
        return await self.call("GET", "/settings")
