"""The builder chain (spec §4.10): `get_authorized_builders` and `authorize_builder` on the trades
host (session), `/auth/builder/authorize` on the edge (the signature is the authentication), with or
without minting an API key for the builder's signer, and `builder_fill_history`.

Fee rates are percent strings; what is signed is the percent × 10^4, truncated.
"""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.sim import inbound
from xtb.sim.grvt import checks, eip712
from xtb.sim.grvt.auth import Ctx, Grant
from xtb.sim.grvt.checks import U32, decimal, uint
from xtb.sim.grvt.errors import GrvtError, json_response
from xtb.sim.grvt.parts import Parts

Rates = tuple[Decimal, Decimal]  # (max futures fee, max spot fee), percent


class Builders:
    def __init__(self, parts: Parts, *, seed: int) -> None:
        self.settings = parts.settings
        self.accounts = parts.accounts
        self.state = parts.state
        self.clock = parts.clock
        self.grants: dict[str, dict[str, Rates]] = {}  # user's main account → builder → max rates
        self._rng = random.Random(f"grvt-builder-keys:{seed}")

    def authorized(self, main: str) -> dict[str, Rates]:
        return self.grants.get(main, {})

    def exists(self, builder: str) -> bool:
        return builder in {b.lower() for b in self.settings.builders} or self.accounts.is_main(builder)

    # ------------------------------------------------------------------------------- routes

    async def get_authorized_builders(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        assert ctx.main is not None
        rows = [
            {"builder_account_id": builder, "max_futures_fee_rate": _pct(f), "max_spot_fee_rate": _pct(s)}
            for builder, (f, s) in self.authorized(ctx.main).items()
        ]
        return {"results": rows}

    async def authorize_builder(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        """Trades host: the session's main wallet authorises a builder."""
        main = _address(body.get("main_account_id"), "main_account_id")
        if main != ctx.main:
            raise GrvtError(1001)
        await self._authorize(body, main, minting=False)
        return {"result": {"ack": True, "tx_id": "0"}}

    async def edge_authorize(self, request: web.Request) -> web.StreamResponse:
        """Edge host, no session: AuthorizeBuilder, or AddAccountSignerWithBuilder with key minting."""
        try:
            body = await inbound.read_json(request, empty={})
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return GrvtError(1003).response()
        try:
            main = _address(body.get("main_account_id"), "main_account_id")
            if not self.accounts.is_main(main):
                raise GrvtError(2000)
            minting = "builder_api_key_signer" in body
            result = await self._authorize(body, main, minting=minting)
        except GrvtError as exc:
            return exc.response()
        return json_response(result)

    async def builder_fill_history(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        """Fills routed by the session's account as builder (the simulator keeps no separate id)."""
        assert ctx.main is not None
        rows = []
        for fills in self.state.fills.values():
            for fill in fills:
                if str(fill.get("builder", "")).lower() == ctx.main:
                    rows.append({
                        "event_time": fill["event_time"], "off_chain_account_id": fill["sub_account_id"],
                        "instrument": fill["instrument"], "is_buyer": fill["is_buyer"], "is_taker": fill["is_taker"],
                        "size": fill["size"], "price": fill["price"], "mark_price": fill["mark_price"],
                        "index_price": fill["index_price"], "fee_rate": fill["builder_fee_rate"],
                        "fee": fill["builder_fee"],
                    })  # fmt: skip
        rows.sort(key=lambda row: int(row["event_time"]), reverse=True)
        return {"result": rows, "next": ""}

    # ----------------------------------------------------------------------------- internals

    async def _authorize(self, body: Mapping[str, Any], main: str, *, minting: bool) -> dict[str, Any]:
        builder = _address(body.get("builder_account_id"), "builder_account_id")
        futures = decimal(body.get("max_futures_fee_rate"), "max_futures_fee_rate")
        spot = decimal(body.get("max_spot_fee_rate", "0"), "max_spot_fee_rate")
        sig = body.get("signature")
        if not isinstance(sig, Mapping):
            raise GrvtError(1003)
        message: dict[str, Any] = {
            "mainAccountID": main,
            "builderAccountID": builder,
            "maxFutureFeeRate": eip712.truncate_scaled(futures, eip712.BUILDER_FEE_DECIMALS),
            "maxSpotFeeRate": eip712.truncate_scaled(spot, eip712.BUILDER_FEE_DECIMALS),
            "nonce": uint(sig.get("nonce"), "signature.nonce", U32),
            "expiration": uint(sig.get("expiration"), "signature.expiration", 2**63 - 1),
        }
        primary = "AuthorizeBuilder"
        key_signer = ""
        if minting:
            key_signer = _address(body.get("builder_api_key_signer"), "builder_api_key_signer")
            permissions = body.get("builder_api_key_permissions", "Trade")
            if not isinstance(permissions, str):
                raise GrvtError(1003)
            primary = "AddAccountSignerWithBuilder"
            message = {"accountID": main, "signer": key_signer, "permissions": permissions,
                       "builderAccountID": builder, **{k: v for k, v in message.items() if k not in
                                                        ("mainAccountID", "builderAccountID")}}  # fmt: skip
        await self._check_signature(sig, primary, message, main)
        if not self.exists(builder):
            raise GrvtError(7502)
        grants = self.grants.setdefault(main, {})
        if grants.get(builder) == (futures, spot) and not minting:
            raise GrvtError(7503)
        grants[builder] = (futures, spot)
        if not minting:
            return {"status": "success"}
        return {"status": "success", "api_key": self._mint(main, key_signer, body)}

    async def _check_signature(self, sig: Mapping[str, Any], primary: str, message: dict[str, Any], main: str) -> None:
        settings = self.settings
        v = sig.get("v")
        if v not in (27, 28) or isinstance(v, bool):
            raise GrvtError(2005)
        try:
            r, s = (int(str(sig.get(k))[2:], 16) for k in ("r", "s"))
        except ValueError:
            raise GrvtError(2006) from None
        if any(len(str(sig.get(k, ""))) != 66 for k in ("r", "s")):
            raise GrvtError(2006)
        chain = sig.get("chain_id")
        chains = list(settings.accepted_chain_ids)
        if chain not in (None, "", "0", 0):
            if uint(chain, "chain_id", 2**64 - 1) not in chains:
                raise GrvtError(1012)
            chains = [int(chain)]
        signer = str(sig.get("signer", "")).lower()

        def recovered() -> bool:
            return any(
                eip712.recover(eip712.typed_message(primary, message, c), int(v), r, s) == signer for c in chains
            )

        if not await asyncio.to_thread(recovered):
            raise GrvtError(2002)
        if signer != main:
            raise GrvtError(2000)
        now_ns = self.clock.now_ns()
        if message["expiration"] <= now_ns:
            raise GrvtError(2001)
        if message["expiration"] > now_ns + int(settings.max_signature_s * 1e9):
            raise GrvtError(2008)

    def _mint(self, main: str, signer: str, body: Mapping[str, Any]) -> str:
        """An API key for the builder's signer on the user's account (its first sub-account)."""
        accounts = self.accounts
        subs = accounts.subs_of(main)
        permissions = frozenset(str(body.get("builder_api_key_permissions", "Trade")).split(","))
        for sub in subs:
            accounts.grant(sub, signer, Grant(permissions))
        account = accounts.by_sub_account(subs[0])
        assert account is not None
        key = "".join(self._rng.choice(string.ascii_letters + string.digits) for _ in range(32))
        accounts.extra_keys[key] = (account, signer)
        return key


def _address(value: Any, what: str) -> str:
    if not checks.is_address(value):
        raise GrvtError(1003, f"Request could not be processed due to malformed syntax: {what}")
    return str(value).lower()


def _pct(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"
