"""A Hyperliquid simulator per test on a free loopback port, and a client that talks to it the way the
venue's clients do: JSON over `POST /info` and `POST /exchange`, actions signed with the connector's
signing functions (independent of the simulator's verifier)."""

from __future__ import annotations

import functools
import json
from typing import Any

import aiohttp

from tests.waiting import TIMEOUT
from xtb.clock import Clock, ManualClock
from xtb.connectors.hyperliquid.signing import sign_l1_action, sign_user_action
from xtb.secrets import Secret
from xtb.sim.hyperliquid import HyperliquidFrontEnd, HyperliquidSimSettings
from xtb.sim.server import SimHandle, start_simulator

ETH, BTC, SOL = 1, 0, 3  # asset ids: the universe index, the delisted MATIC at 2 included


def vector_clock(ms: int) -> ManualClock:
    """A venue clock standing where a spec vector was signed (its nonce), so its nonce is fresh."""
    return ManualClock(start=1_000.0, epoch=ms / 1000)


async def start_hl(*, clock: Clock | None = None, run_markets: bool = False, **settings: Any) -> SimHandle:
    """A Hyperliquid simulator with its markets quoted and frozen unless `run_markets`."""
    factory = functools.partial(HyperliquidFrontEnd, settings=HyperliquidSimSettings(**settings))
    kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
    handle = await start_simulator("hyperliquid", factory, run_markets=run_markets, **kwargs)
    if not run_markets:
        for symbol in handle.markets.symbols:
            handle.control.freeze(symbol)
    return handle


def frontend(handle: SimHandle) -> HyperliquidFrontEnd:
    assert isinstance(handle.frontend, HyperliquidFrontEnd)
    return handle.frontend


class Client:
    """Raw requests to one simulator. `key` names which credential signs: the agent (default) or
    the master; nonces come from one counter fast-forwarded to the venue clock's ms."""

    def __init__(self, http: aiohttp.ClientSession, handle: SimHandle, account: dict[str, Any] | None = None) -> None:
        self.http = http
        self.handle = handle
        self.url = handle.urls["rest"]
        self.account = account if account is not None else handle.account
        self.user = self.account["account_address"]
        self._last_nonce = 0

    def nonce(self) -> int:
        now = int(self.handle.engine.clock.time() * 1000)
        self._last_nonce = max(now, self._last_nonce + 1)
        return self._last_nonce

    async def post(self, path: str, body: Any, *, raw: bool = False) -> tuple[int, Any]:
        """(status, parsed JSON body or text). `raw`: `body` is sent as text with the JSON type."""
        data = body if raw else json.dumps(body)
        headers = {"Content-Type": "application/json"}
        async with self.http.post(self.url + path, data=data, headers=headers) as response:
            text = await response.text()
            if response.content_type == "application/json":
                return response.status, json.loads(text)
            return response.status, text

    async def info(self, payload: dict[str, Any]) -> tuple[int, Any]:
        return await self.post("/info", payload)

    async def ok_info(self, payload: dict[str, Any]) -> Any:
        status, body = await self.info(payload)
        assert status == 200, (status, body)
        return body

    def signed(
        self,
        action: dict[str, Any],
        *,
        key: str = "agent_private_key",
        nonce: int | None = None,
        mainnet: bool = False,
        vault: str | None = None,
        expires_after: int | None = None,
    ) -> dict[str, Any]:
        nonce = self.nonce() if nonce is None else nonce
        secret = Secret(self.account[key], name=key)
        if "hyperliquidChain" in action:
            signature = sign_user_action(secret, action)
        else:
            signature = sign_l1_action(
                secret, action, nonce, mainnet=mainnet, vault_address=vault, expires_after=expires_after
            )
        return {"action": action, "nonce": nonce, "signature": signature, "vaultAddress": vault,
                "expiresAfter": expires_after}  # fmt: skip

    async def exchange(self, action: dict[str, Any], **kwargs: Any) -> tuple[int, Any]:
        return await self.post("/exchange", self.signed(action, **kwargs))

    async def ok(self, action: dict[str, Any], **kwargs: Any) -> Any:
        """The `response` of an action the venue accepted."""
        status, body = await self.exchange(action, **kwargs)
        assert status == 200 and body["status"] == "ok", (status, body)
        return body["response"]

    async def err(self, action: dict[str, Any], **kwargs: Any) -> str:
        """The text of a top-level refusal."""
        status, body = await self.exchange(action, **kwargs)
        assert status == 200 and body["status"] == "err", (status, body)
        return body["response"]

    async def place(self, *orders: dict[str, Any]) -> list[Any]:
        response = await self.ok({"type": "order", "orders": list(orders), "grouping": "na"})
        return response["data"]["statuses"]

    async def state(self) -> dict[str, Any]:
        return await self.ok_info({"type": "clearinghouseState", "user": self.user})


def order(
    asset: int, is_buy: bool, px: str, sz: str, tif: str = "Gtc", *, reduce_only: bool = False, cloid: str | None = None
) -> dict[str, Any]:
    wire: dict[str, Any] = {"a": asset, "b": is_buy, "p": px, "s": sz, "r": reduce_only, "t": {"limit": {"tif": tif}}}
    if cloid is not None:
        wire["c"] = cloid
    return wire


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
