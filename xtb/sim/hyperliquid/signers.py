"""Who may sign for which Hyperliquid account (spec §2.1, §2.5): the user's own key, or an agent
wallet ("API wallet") the user approved.

The venue never trusts a claimed sender: it recovers the signer from the signature and looks that
address up. A wrong key, network letter or byte therefore recovers a stranger, and the refusal names
that stranger, lower-cased, exactly as the venue does. Agents are kept per user and per name: a new
agent under a name (the unnamed one included) replaces the old one, and the zero address removes it.
A replaced agent is still known as its master's former agent (the venue answers it with the
master's "Must deposit" text), a removed one is forgotten ("does not exist").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xtb.connectors.hyperliquid.signing import USER_SIGNED_TYPES, recover_l1_signer, recover_user_signer
from xtb.errors import AuthError
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.nonces import NonceWindows

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def does_not_exist(address: str) -> HyperliquidError:
    return HyperliquidError(f"User or API Wallet {address} does not exist.")


def must_deposit(address: str) -> HyperliquidError:
    return HyperliquidError(f"Must deposit before performing actions. User: {address}")


@dataclass(frozen=True)
class Authorised:
    """An action that passed the signer checks: `user` it applies to, `signer` whose nonce it spends."""

    user: str
    signer: str


class ActionExpired(HyperliquidError):
    """`Action already expired`: the signer is known, so the caller may still charge it (§10.5:
    the nonce is consumed and the address budget charged)."""

    def __init__(self, authorised: Authorised) -> None:
        super().__init__("Action already expired")
        self.authorised = authorised


class Signers:
    """The accounts and agent wallets the simulator knows, and the venue's check of every action."""

    def __init__(self, nonces: NonceWindows) -> None:
        self._nonces = nonces
        self._users: set[str] = set()
        self._agents: dict[str, str] = {}  # agent → master
        self._named: dict[tuple[str, str], str] = {}  # (master, name) → agent
        self._replaced: dict[str, str] = {}  # former agent → master

    def add_user(self, address: str) -> None:
        """A funded account whose own key signs for it."""
        self._users.add(address.lower())

    def approve_agent(self, user: str, agent: str, name: str = "") -> None:
        """`approveAgent` after the checks: the agent now signs L1 actions for `user`."""
        user, agent = user.lower(), agent.lower()
        previous = self._named.pop((user, name), None)
        if previous is not None:
            del self._agents[previous]
            if agent != ZERO_ADDRESS:
                self._replaced[previous] = user
        if agent != ZERO_ADDRESS:
            self._named[user, name] = agent
            self._agents[agent] = user
            self._replaced.pop(agent, None)

    def master_of(self, agent: str) -> str | None:
        return self._agents.get(agent.lower())

    def is_user(self, address: str) -> bool:
        return address.lower() in self._users

    def agents_of(self, user: str) -> dict[str, str]:
        """The user's approved agents by name (`""` is the unnamed one)."""
        user = user.lower()
        return {name: agent for (master, name), agent in self._named.items() if master == user}

    def clear(self) -> None:
        """Forget every user and agent (the control API's reset)."""
        self._users.clear()
        self._agents.clear()
        self._named.clear()
        self._replaced.clear()

    def authorise(
        self,
        action: Mapping[str, Any],
        nonce: int,
        signature: Mapping[str, Any],
        *,
        vault: str | None,
        expires_after: int | None,
        is_mainnet: bool,
    ) -> Authorised:
        """§2.5 steps 2–6, in the venue's order; raises the venue's refusal. The caller consumes
        the nonce (`NonceWindows.consume`) once the action is executed. `vault` only enters the
        signed hash here: routing the action to a sub-account or vault is the caller's step."""
        self._nonces.check_time(nonce)
        user_signed = action.get("type") in USER_SIGNED_TYPES
        try:
            if user_signed:
                recovered = recover_user_signer(action, signature)
            else:
                recovered = recover_l1_signer(
                    action, nonce, signature, mainnet=is_mainnet, vault_address=vault, expires_after=expires_after
                )
        except AuthError:
            raise HyperliquidError("Unable to recover signer.") from None
        signer = recovered.lower()
        user = self._principal(signer, user_signed)
        self._nonces.check_signer(signer, nonce)
        if expires_after is not None and expires_after < self._nonces.now_ms():
            raise ActionExpired(Authorised(user=user, signer=signer))
        return Authorised(user=user, signer=signer)

    def _principal(self, signer: str, user_signed: bool) -> str:
        if signer in self._users:
            return signer
        if signer in self._agents:
            if user_signed:  # a user-signed action applies to its signer, which holds no funds
                raise must_deposit(signer)
            return self._agents[signer]
        if signer in self._replaced:
            raise must_deposit(self._replaced[signer])
        raise does_not_exist(signer)
