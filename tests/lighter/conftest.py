"""A Lighter simulator per test on free loopback ports, the spec's vectors, and helpers to talk to
the simulator the venue's way: signed transactions from the SDK's Go signer or from a Python signer
(for transactions the Go signer refuses to make), auth tokens, and the stream."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.waiting import TIMEOUT
from xtb.clock import loop_time
from xtb.crypto import schnorr
from xtb.sim.lighter import LighterFrontEnd, LighterSettings
from xtb.sim.lighter import txs as T
from xtb.sim.server import SimHandle, start_simulator

ETH, BTC = "ETH", "BTC"
VECTORS = json.loads((Path(__file__).parent / "fixtures" / "vectors.json").read_text())
PAYLOADS = json.loads((Path(__file__).parent / "fixtures" / "payloads.json").read_text())


class FixedClock:
    """A venue clock stopped at one instant (seconds), so transactions signed in the past verify."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return self.seconds

    def monotonic(self) -> float:
        return self.seconds


async def start_lighter(*, run_markets: bool = False, **settings: Any) -> SimHandle:
    """A Lighter simulator, markets quoted and frozen unless run."""
    factory = functools.partial(LighterFrontEnd, settings=LighterSettings(**settings))
    handle = await start_simulator("lighter", factory, run_markets=run_markets)
    for symbol in handle.markets.symbols:
        handle.control.freeze(symbol)
    return handle


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_lighter()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def frontend(handle: SimHandle) -> LighterFrontEnd:
    fe = handle.frontend
    assert isinstance(fe, LighterFrontEnd)
    return fe


def vector_key(handle: SimHandle, account: int = 12345, key_index: int = 3, next_nonce: int = 0) -> None:
    """Register the spec's test key for the vectors' account (created if needed)."""
    if account not in handle.engine.accounts():
        handle.control.create_account(account, "100000")
    fe = frontend(handle)
    fe.register_api_key(account, key_index, VECTORS["key"]["sk_hex"])
    if next_nonce:
        fe.keys.consume(account, key_index, next_nonce - 1, 0)


def private_key(handle: SimHandle, account: int | None = None) -> int:
    creds = handle.account if account is None else frontend(handle).credentials[account]
    return int.from_bytes(bytes.fromhex(creds["api_private_key"][2:]), "little")


def signed_tx_info(
    tx_type: int,
    fields: Mapping[str, Any],
    sk: int,
    *,
    chain_id: int = 304,
    attributes: Mapping[str, int] | None = None,
) -> str:
    """tx_info JSON for any field values (in the given order), signed in Python."""
    probe = T.Tx(tx_type, dict(fields), {int(k): v for k, v in (attributes or {}).items()}, b"", "")
    sig = schnorr.sign(sk, T.message(probe, chain_id))
    return json.dumps({**fields, "Sig": base64.b64encode(sig).decode(), "L2TxAttributes": attributes})


def order_fields(account: int, key: int, nonce: int, **changes: Any) -> dict[str, Any]:
    """A post-only bid of 0.01 ETH at 2990.00, expiring in 28 days; `changes` override fields."""
    now = int(time.time() * 1000)
    fields = {
        "AccountIndex": account, "ApiKeyIndex": key, "MarketIndex": 0, "ClientOrderIndex": 501,
        "BaseAmount": 100, "Price": 299000, "IsAsk": 0, "Type": 0, "TimeInForce": 2, "ReduceOnly": 0,
        "TriggerPrice": 0, "OrderExpiry": now + 28 * 86_400_000, "ExpiredAt": now + 600_000, "Nonce": nonce,
    }  # fmt: skip
    fields.update(changes)
    return fields


class Client:
    """Form posts and reads against one simulator, returning (status, body)."""

    def __init__(self, http: aiohttp.ClientSession, handle: SimHandle) -> None:
        self.http = http
        self.handle = handle
        self.rest = handle.urls["rest"]

    async def send_tx(self, tx_type: int, tx_info: str, *, multipart: bool = False) -> tuple[int, Any]:
        if multipart:
            form = aiohttp.FormData()
            form.add_field("tx_type", str(tx_type))
            form.add_field("tx_info", tx_info)
            data: Any = form
        else:
            data = {"tx_type": str(tx_type), "tx_info": tx_info}
        async with self.http.post(self.rest + "/api/v1/sendTx", data=data) as resp:
            return resp.status, await resp.json(content_type=None)

    async def get(self, path: str, token: str | None = None, **params: Any) -> tuple[int, Any]:
        headers = {"Authorization": token} if token else None
        query = {k: str(v) for k, v in params.items()}
        async with self.http.get(self.rest + path, params=query, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


@pytest.fixture
def client(http: aiohttp.ClientSession, sim: SimHandle) -> Client:
    return Client(http, sim)


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next text frame, parsed."""
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse, predicate: Callable[[Any], bool], timeout: float = TIMEOUT
) -> tuple[Any, list[Any]]:
    """The first frame matching `predicate`, and every frame before it."""
    seen: list[Any] = []
    deadline = loop_time() + timeout
    while True:
        frame = await receive(ws, max(0.01, deadline - loop_time()))
        if predicate(frame):
            return frame, seen
        seen.append(frame)


async def sdk_client(handle: SimHandle, *, chain_id: int = 304, account: int | None = None) -> Any:
    """The SDK's SignerClient for an account of the simulator (inside the running loop)."""
    from lighter.signer_client import SignerClient

    creds = handle.account if account is None else frontend(handle).credentials[account]
    return SignerClient(
        handle.urls["rest"],
        creds["account_index"],
        {creds["api_key_index"]: creds["api_private_key"]},
        chain_id=chain_id,
    )
