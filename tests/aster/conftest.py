"""An Aster simulator per test on free loopback ports, and helpers to talk to it the venue's way
(raw signed REST with the connector's signers, raw WebSocket frames)."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from yarl import URL

from tests.waiting import TIMEOUT
from xtb.clock import loop_time
from xtb.connectors.aster.auth import TESTNET_CHAIN_ID, V1Signer, V3Signer, encode_pairs
from xtb.secrets import Secret
from xtb.sim.aster import AsterFrontEnd, AsterSettings
from xtb.sim.server import SimHandle, start_simulator

ETH = "ETHUSDT"
FIXTURES = Path(__file__).parent / "fixtures"
VECTORS = json.loads((FIXTURES / "signing_vectors.json").read_text())
PAYLOADS = json.loads((FIXTURES / "payloads.json").read_text(), parse_float=Decimal)

Pairs = Sequence[tuple[str, str]]


class FixedClock:
    """A venue clock stopped at one instant (µs), so the spec's signed examples still verify."""

    def __init__(self, us: int) -> None:
        self.us = us

    def time(self) -> float:
        return self.us / 1_000_000

    def monotonic(self) -> float:
        return self.us / 1_000_000


async def start_aster(*, run_markets: bool = False, clock: Any = None, **settings: Any) -> SimHandle:
    """An Aster simulator with its markets quoted and frozen unless `run_markets`."""
    factory = functools.partial(AsterFrontEnd, settings=AsterSettings(**settings), clock=clock)
    handle = await start_simulator("aster", factory, run_markets=run_markets)
    if not run_markets:
        for symbol in handle.markets.symbols:
            handle.control.freeze(symbol)
    return handle


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_aster()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def v3_signer(handle: SimHandle, account: str | None = None) -> V3Signer:
    creds = handle.account if account is None else handle.frontend.credentials[account]
    return V3Signer(creds["user"], Secret(creds["signer_private_key"], "signer_private_key"), TESTNET_CHAIN_ID)


def v1_signer(handle: SimHandle) -> V1Signer:
    creds = handle.account
    return V1Signer(Secret(creds["api_key"], "api_key"), Secret(creds["api_secret"], "api_secret"))


Auth = Literal["v3", "v1", "key", "none"]


class Client:
    """Raw requests to one simulator, signed like the connector signs; returns (status, body, headers)."""

    def __init__(self, http: aiohttp.ClientSession, handle: SimHandle) -> None:
        self.http = http
        self.handle = handle
        self.rest = handle.urls["rest"]
        self.v3 = v3_signer(handle)
        self.v1 = v1_signer(handle)

    async def raw(
        self, method: str, path: str, query: str = "", body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, Any, Any]:
        url = URL(self.rest + path + (f"?{query}" if query else ""), encoded=True)
        sent = dict(headers or {})
        if body:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        async with self.http.request(method, url, data=body.encode() if body else None, headers=sent) as resp:
            text = await resp.text()
            try:
                parsed: Any = json.loads(text, parse_float=Decimal) if text else None
            except ValueError:
                parsed = text
            return resp.status, parsed, resp.headers

    async def call(
        self, method: str, path: str, pairs: Pairs = (), *, auth: Auth = "v3", in_body: bool | None = None
    ) -> tuple[int, Any, Any]:
        headers: dict[str, str] = {}
        if auth == "v3":
            text = self.v3.signed_text(pairs)
        elif auth == "v1":
            text = self.v1.signed_text(pairs, self.handle.frontend.now_ms())
            headers.update(self.v1.headers())
        else:
            text = encode_pairs(pairs)
            if auth == "key":
                headers.update(self.v1.headers())
        body = method != "GET" if in_body is None else in_body
        return await self.raw(method, path, "" if body else text, text if body else "", headers)

    def order(self, price: str, quantity: str = "0.010", side: str = "BUY", **extra: str) -> list[tuple[str, str]]:
        pairs = [("symbol", ETH), ("side", side), ("type", "LIMIT"), ("timeInForce", "GTC")]
        pairs += [("quantity", quantity), ("price", price), *extra.items()]
        return pairs


def main_wallet_text(action: str, fields: Pairs, private_key: str, chain_id: int = 56) -> str:
    """A management request (`action` = ApproveAgent, ApproveBuilder, ...) signed by the main wallet
    (§2.3): the struct is the params in sent order, first letters uppercased, ending asterChain, user,
    nonce; `signatureChainId` is the domain's chainId and is not signed."""
    types = [
        {
            "name": k[:1].upper() + k[1:],
            "type": "uint256" if k in ("expired", "nonce") else "bool" if k.startswith("can") else "string",
        }
        for k, _ in fields
    ]
    values = {
        k[:1].upper() + k[1:]: (int(v) if k in ("expired", "nonce") else v == "true" if k.startswith("can") else v)
        for k, v in fields
    }
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            action: types,
        },
        "primaryType": action,
        "domain": {
            "name": "AsterSignTransaction",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": "0x" + "00" * 20,
        },
        "message": values,
    }
    signature = Account.sign_message(encode_typed_data(full_message=typed), private_key)
    return encode_pairs([*fields, ("signatureChainId", str(chain_id))]) + f"&signature={signature.signature.hex()}"


@pytest.fixture
def client(http: aiohttp.ClientSession, sim: SimHandle) -> Client:
    return Client(http, sim)


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next text frame, parsed (decimals exact)."""
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data, parse_float=Decimal)


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse, predicate: Callable[[Any], bool], timeout: float = TIMEOUT
) -> tuple[Any, list[Any]]:
    """The first frame matching `predicate`, and the frames before it."""
    seen: list[Any] = []
    deadline = loop_time() + timeout
    while True:
        frame = await receive(ws, max(0.01, deadline - loop_time()))
        if predicate(frame):
            return frame, seen
        seen.append(frame)


async def request_reply(ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> Any:
    """Send a control frame and return the reply carrying its id."""
    await ws.send_str(json.dumps(frame))
    reply, _ = await receive_until(ws, lambda f: isinstance(f, dict) and "id" in f and "e" not in f)
    return reply
