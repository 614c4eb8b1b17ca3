"""Read-only tokens and maker-only keys (spec §2.5, §4), driven through the official SDK's own
`AccountApi` / `OrderApi`: a minted `ro:` token reads like an auth token until it is revoked, never
manages tokens, and a maker-only setting reads back as it was set."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import lighter
import pytest
from lighter.exceptions import ApiException

from tests.lighter.conftest import Client, sdk_client
from xtb.sim.server import SimHandle

ACCOUNT = 123456
KEY = 4


@pytest.fixture
async def api(sim: SimHandle) -> AsyncIterator[lighter.ApiClient]:
    client = lighter.ApiClient(lighter.Configuration(host=sim.urls["rest"]))
    try:
        yield client
    finally:
        await client.close()


async def auth_token(sim: SimHandle) -> str:
    sdk = await sdk_client(sim)
    try:
        token, error = sdk.create_auth_token_with_expiry(600, api_key_index=KEY)
        assert error is None, error
        return token
    finally:
        await sdk.close()


def refusal(exc: pytest.ExceptionInfo[ApiException]) -> tuple[int, Any]:
    return exc.value.status, json.loads(exc.value.body)


async def test_a_read_only_token_reads_until_revoked(sim: SimHandle, api: lighter.ApiClient, client: Client) -> None:
    accounts, orders = lighter.AccountApi(api), lighter.OrderApi(api)
    token = await auth_token(sim)
    expiry = int(time.time()) + 7 * 86_400
    minted = await accounts.tokens_create(
        name="dashboard", account_index=ACCOUNT, expiry=expiry, sub_account_access=False, authorization=token
    )
    assert minted.api_token.startswith(f"ro:{ACCOUNT}:single:{expiry}:") and not minted.revoked
    listed = await accounts.tokens(account_index=ACCOUNT, authorization=token)
    assert [t.token_id for t in listed.api_tokens] == [minted.token_id]
    active = await orders.account_active_orders(authorization=minted.api_token, account_index=ACCOUNT, market_id=0)
    assert active.code == 200 and active.orders == []
    # it reads; it does not manage tokens, nor read another account
    status, body = await client.get("/api/v1/tokens", minted.api_token, account_index=ACCOUNT)
    assert (status, body["code"]) == (200, 200)
    with pytest.raises(ApiException) as refused:
        await accounts.tokens_create(
            name="more", account_index=ACCOUNT, expiry=expiry, sub_account_access=False, authorization=minted.api_token
        )
    assert refusal(refused) == (
        400,
        {"code": 21120, "message": "invalid auth: a read-only token cannot change anything"},
    )
    sim.control.create_account(777, "100")
    status, body = await client.get("/api/v1/accountActiveOrders", minted.api_token, account_index=777)
    assert (status, body) == (400, {"code": 21120, "message": "invalid auth: token is for another account"})
    revoked = await accounts.tokens_revoke(token_id=minted.token_id, account_index=ACCOUNT, authorization=token)
    assert (revoked.token_id, revoked.revoked) == (minted.token_id, True)
    status, body = await client.get("/api/v1/accountActiveOrders", minted.api_token, account_index=ACCOUNT)
    assert (status, body["code"]) == (400, 21120) and "revoked" in body["message"]


@pytest.mark.parametrize("expiry_s", [3600, 11 * 365 * 86_400])  # under a day, over ten years
async def test_a_token_lifetime_outside_the_window_is_refused(
    sim: SimHandle, api: lighter.ApiClient, expiry_s: int
) -> None:
    token = await auth_token(sim)
    with pytest.raises(ApiException) as refused:
        await lighter.AccountApi(api).tokens_create(
            name="x", account_index=ACCOUNT, expiry=int(time.time()) + expiry_s, sub_account_access=True,
            authorization=token,
        )  # fmt: skip
    assert refusal(refused) == (400, {"code": 61001, "message": "invalid expiry: 1 day to 10 years ahead"})


async def test_maker_only_keys_read_back_as_set(sim: SimHandle, api: lighter.ApiClient, client: Client) -> None:
    accounts = lighter.AccountApi(api)
    token = await auth_token(sim)
    assert (await accounts.get_maker_only_api_keys(authorization=token, account_index=ACCOUNT)).api_key_indexes == []
    await accounts.set_maker_only_api_keys(authorization=token, account_index=ACCOUNT, api_key_indexes="[5,4,5]")
    got = await accounts.get_maker_only_api_keys(authorization=token, account_index=ACCOUNT)
    assert got.api_key_indexes == [4, 5]
    for bad in ("[255]", "4", "[true]", "nope"):
        async with client.http.post(
            client.rest + "/api/v1/setMakerOnlyApiKeys",
            data={"account_index": str(ACCOUNT), "api_key_indexes": bad},
            headers={"Authorization": token},
        ) as resp:
            assert (resp.status, await resp.json()) == (
                400,
                {"code": 20001, "message": "invalid param: api_key_indexes"},
            )
    await accounts.set_maker_only_api_keys(authorization=token, account_index=ACCOUNT, api_key_indexes="[]")
    assert (await accounts.get_maker_only_api_keys(authorization=token, account_index=ACCOUNT)).api_key_indexes == []
