"""Agents (API wallets) and builder codes (spec §2.3, §4.8): the registry the V3 authorization
consults, and the main-wallet management routes with their own EIP-712 form.

A management request is signed by the main wallet (`user`), with the domain's chainId taken from
`signatureChainId`, primaryType the action name, and fields the request parameters with the first
letter uppercased: the three builder structs in their documented order (strict), agent actions in
the order received. `bool` for the permission flags, `uint256` for `Nonce` / `Expired`, `string`
for everything else (`User` included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web
from eth_utils import keccak

from xtb.sim import inbound
from xtb.sim.aster import params as prm
from xtb.sim.aster.auth import NonceBook, domain_separator, parse_signature, recover, signed_text
from xtb.sim.aster.errors import AsterError, invalid, json_response, mandatory
from xtb.sim.aster.params import Params, read_params
from xtb.sim.aster.parts import VenueParts

OK = {"code": 200, "msg": "success"}
UINT_FIELDS = frozenset({"nonce", "expired"})
BOOL_FIELDS = frozenset({"canSpotTrade", "canPerpTrade", "canWithdraw"})
NOT_SIGNED = frozenset({"signature", "signatureChainId"})
BUILDER_STRUCTS: dict[str, tuple[str, ...]] = {
    "ApproveBuilder": ("builder", "maxFeeRate", "builderName", "asterChain", "user", "nonce"),
    "UpdateBuilder": ("builder", "maxFeeRate", "asterChain", "user", "nonce"),
    "DelBuilder": ("builder", "asterChain", "user", "nonce"),
}
MAX_BUILDER_FEE = Decimal("0.001")


@dataclass
class Agent:
    address: str
    name: str = ""
    ip_whitelist: str = ""
    expired: int = 0  # ms; 0: never
    can_spot: bool = True
    can_perp: bool = True
    can_withdraw: bool = False
    source: str = "API"

    def json(self) -> dict[str, Any]:
        return {
            "agentAddress": self.address,
            "agentName": self.name,
            "ipWhitelist": self.ip_whitelist,
            "expired": self.expired,
            "source": self.source,
            "canRead": True,
            "canSpotTrade": self.can_spot,
            "canPerpTrade": self.can_perp,
            "canWithdraw": self.can_withdraw,
        }


@dataclass
class Builder:
    address: str
    name: str
    max_fee_rate: Decimal


@dataclass
class Registry:
    """Per user (lowercase main-wallet address): approved agents and builders."""

    agents: dict[str, dict[str, Agent]] = field(default_factory=dict)
    builders: dict[str, dict[str, Builder]] = field(default_factory=dict)

    def approve(self, user: str, agent: Agent) -> None:
        self.agents.setdefault(user.lower(), {})[agent.address.lower()] = agent

    def agent(self, user: str, address: str) -> Agent | None:
        return self.agents.get(user.lower(), {}).get(address.lower())

    def resolve_user(self, signer: str) -> str | None:
        """The user a signer acts for when the request named none (a user signs for itself)."""
        signer = signer.lower()
        if signer in self.agents:
            return signer
        for user, agents in self.agents.items():
            if signer in agents:
                return user
        return None

    def authorized(self, user: str, signer: str, now_ms: int, *, trade: bool, spot: bool = False) -> bool:
        if user == signer:
            return True
        agent = self.agent(user, signer)
        if agent is None or (agent.expired and agent.expired <= now_ms):
            return False
        if trade:
            return agent.can_spot if spot else agent.can_perp
        return True

    def builder(self, user: str, address: str) -> Builder | None:
        return self.builders.get(user.lower(), {}).get(address.lower())


def field_type(name: str) -> str:
    if name in UINT_FIELDS:
        return "uint256"
    if name in BOOL_FIELDS:
        return "bool"
    return "string"


def management_digest(action: str, fields: list[tuple[str, str]], chain_id: int) -> bytes:
    """EIP-712 digest of `action(type Field, ...)` over the given (param name, value) pairs."""
    names = [(field_type(name), name[:1].upper() + name[1:]) for name, _ in fields]
    encoded = keccak(text=f"{action}({','.join(f'{t} {n}' for t, n in names)})")
    for (kind, _), (_, value) in zip(names, fields, strict=True):
        if kind == "string":
            encoded += keccak(text=value)
        elif kind == "bool":
            if value.lower() not in ("true", "false"):
                raise AsterError(-1130, "Data sent for a boolean parameter is not valid.")
            encoded += (1 if value.lower() == "true" else 0).to_bytes(32, "big")
        else:
            number = inbound.integer(value, max_digits=78)
            if number is None or number >= 2**256:
                raise AsterError(-1100, f"Illegal characters found in a uint256 parameter: {value[:100]!r}.")
            encoded += number.to_bytes(32, "big")
    return keccak(b"\x19\x01" + domain_separator(chain_id) + keccak(encoded))


class AgentDesk:
    """`nonces` is the book V3 requests spend theirs in (one per venue); `now_us` the venue clock."""

    def __init__(self, parts: VenueParts, registry: Registry, nonces: NonceBook, now_us: Callable[[], int]) -> None:
        self.parts = parts
        self.registry = registry
        self.nonces = nonces
        self.now_us = now_us

    async def verify(self, request: web.Request, action: str) -> tuple[Params, str]:
        """A main-wallet signature over the action; returns the params and the (lowercase) user."""
        params = await read_params(request)
        _, _, sig_text = signed_text(params)
        user = params.require("user")
        nonce = inbound.integer(params.require("nonce"))
        if nonce is None:
            raise AsterError(-1100, "Illegal characters found in parameter 'nonce'; legal range is '^[0-9]{1,20}$'.")
        chain = inbound.integer(params.require("signatureChainId"))
        if chain is None:
            raise invalid("signatureChainId")
        if prm.enum(params, "asterChain", ("Mainnet", "Testnet")) is None:
            raise mandatory("asterChain")
        if action in BUILDER_STRUCTS:
            fields = []
            for name in BUILDER_STRUCTS[action]:
                value = params.values.get(name)
                if value is None:
                    raise mandatory(name)
                fields.append((name, value))
        else:
            fields = [(k, params.values[k]) for k in params.names() if k not in NOT_SIGNED]
        signature = parse_signature(sig_text)
        digest = management_digest(action, fields, chain)
        signer = None if signature is None else recover(digest, signature)
        if signer != user.lower() and not self.parts.settings.lenient_management_auth:
            raise AsterError(-1022)
        self.nonces.check(
            user.lower(),
            nonce,
            self.now_us(),
            int(self.parts.settings.nonce_window_s * 1_000_000),
        )
        return params, user.lower()

    # ------------------------------------------------------------------------------- agents

    async def approve_agent(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "ApproveAgent")
        address = params.require("agentAddress")
        expired = prm.integer(params, "expired") or 0
        agent = Agent(
            address,
            params.get("agentName") or "",
            params.get("ipWhitelist") or "",
            expired,
            bool(prm.boolean(params, "canSpotTrade")),
            bool(prm.boolean(params, "canPerpTrade")),
            bool(prm.boolean(params, "canWithdraw")),
        )
        self.registry.approve(user, agent)
        builder = params.get("builder")
        if builder is not None:
            self._approve_builder(user, builder, params.get("builderName") or "", prm.decimal(params, "maxFeeRate"))
        return json_response(OK)

    async def update_agent(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "UpdateAgent")
        agent = self.registry.agent(user, params.require("agentAddress"))
        if agent is None:
            raise AsterError(-1130, "Data sent for parameter 'agentAddress' is not valid.")
        if params.get("ipWhitelist") is not None:
            agent.ip_whitelist = params.get("ipWhitelist") or ""
        for name, attr in (("canSpotTrade", "can_spot"), ("canPerpTrade", "can_perp"), ("canWithdraw", "can_withdraw")):
            value = prm.boolean(params, name)
            if value is not None:
                setattr(agent, attr, value)
        return json_response(OK)

    async def delete_agent(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "DelAgent")
        address = params.require("agentAddress").lower()
        if self.registry.agents.get(user, {}).pop(address, None) is None:
            raise AsterError(-1130, "Data sent for parameter 'agentAddress' is not valid.")
        return json_response(OK)

    async def list_agents(self, request: web.Request) -> web.StreamResponse:
        user = self.parts.user_of_request(request)
        return json_response([a.json() for a in self.registry.agents.get(user, {}).values()])

    # ----------------------------------------------------------------------------- builders

    def _approve_builder(self, user: str, address: str, name: str, rate: Decimal | None) -> None:
        if rate is None or not 0 <= rate <= MAX_BUILDER_FEE:
            raise invalid("maxFeeRate")
        self.registry.builders.setdefault(user, {})[address.lower()] = Builder(address, name, rate)

    async def approve_builder(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "ApproveBuilder")
        self._approve_builder(
            user, params.require("builder"), params.get("builderName") or "", prm.decimal(params, "maxFeeRate")
        )
        return json_response(OK)

    async def update_builder(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "UpdateBuilder")
        builder = self.registry.builder(user, params.require("builder"))
        if builder is None:
            raise invalid("builder")
        rate = prm.decimal(params, "maxFeeRate")
        if rate is None or not 0 <= rate <= MAX_BUILDER_FEE:
            raise invalid("maxFeeRate")
        builder.max_fee_rate = rate
        return json_response(OK)

    async def delete_builder(self, request: web.Request) -> web.StreamResponse:
        params, user = await self.verify(request, "DelBuilder")
        if self.registry.builders.get(user, {}).pop(params.require("builder").lower(), None) is None:
            raise invalid("builder")
        return json_response(OK)

    async def list_builders(self, request: web.Request) -> web.StreamResponse:
        """Always answers an authorized signer; `maxFeeRate` is a JSON number."""
        user = self.parts.user_of_request(request)
        rows = [
            {
                "userAddress": user,
                "builderAddress": b.address,
                "maxFeeRate": float(b.max_fee_rate),
                "builderName": b.name,
            }
            for b in self.registry.builders.get(user, {}).values()
        ]
        return json_response(rows)
