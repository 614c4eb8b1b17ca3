"""The Hyperliquid simulator's signer and nonce checks (spec §2.1, §2.5, §2.6, §8).

Signatures and the addresses they recover come from the spec's vectors (fixtures/signing_vectors.json);
expected refusals are the venue's strings written out here, numbers included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from xtb.clock import ManualClock
from xtb.connectors.hyperliquid.signing import sign_l1_action, sign_user_action
from xtb.secrets import Secret
from xtb.sim.hyperliquid.errors import HyperliquidError
from xtb.sim.hyperliquid.nonces import NonceWindows
from xtb.sim.hyperliquid.signers import Authorised, Signers

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "signing_vectors.json").read_text())
L1 = {vector["id"]: vector for vector in VECTORS["l1"]}
USER = {vector["id"]: vector for vector in VECTORS["user"]}
K1 = VECTORS["keys"]["K1"]["address"].lower()
K5 = VECTORS["keys"]["K5"]["address"].lower()
K5_KEY = Secret(VECTORS["keys"]["K5"]["private_key"], name="hyperliquid_agent_key")
C1 = L1["C1-testnet"]
NOW_MS = 1_733_000_000_000  # C1's nonce: the clock stands where the vector was signed
OTHER_AGENT = "0x0000000000000000000000000000000000000001"
THIRD_AGENT = "0x0000000000000000000000000000000000000002"
ZERO = "0x0000000000000000000000000000000000000000"


def signature(vector: dict[str, Any]) -> dict[str, Any]:
    return {part: vector["expected"][part] for part in ("r", "s", "v")}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(epoch=NOW_MS / 1000)


@pytest.fixture
def nonces(clock: ManualClock) -> NonceWindows:
    return NonceWindows(clock)


@pytest.fixture
def signers(nonces: NonceWindows) -> Signers:
    return Signers(nonces)


def authorise_l1(
    signers: Signers, sig: dict[str, Any], *, nonce: int = NOW_MS, mainnet: bool = False, action: Any = None
) -> Authorised:
    return signers.authorise(
        C1["action"] if action is None else action,
        nonce,
        sig,
        vault=None,
        expires_after=None,
        is_mainnet=mainnet,
    )


def refusal(call: Any) -> str:
    with pytest.raises(HyperliquidError) as caught:
        call()
    return caught.value.message


def test_l1_vector_signer_is_refused_until_registered_then_accepted(signers: Signers) -> None:
    assert refusal(lambda: authorise_l1(signers, signature(C1))) == f"User or API Wallet {K1} does not exist."
    signers.add_user(VECTORS["keys"]["K1"]["address"])
    assert authorise_l1(signers, signature(C1)) == Authorised(user=K1, signer=K1)


def test_user_signed_vector_signer_is_accepted_once_registered(signers: Signers) -> None:
    approve = USER["C4-approveAgent"]

    def call() -> Authorised:
        return signers.authorise(
            approve["action"], NOW_MS, signature(approve), vault=None, expires_after=None, is_mainnet=False
        )

    assert refusal(call) == f"User or API Wallet {K1} does not exist."
    signers.add_user(K1)
    assert call() == Authorised(user=K1, signer=K1)


def test_signature_over_other_bytes_names_the_stranger(signers: Signers) -> None:
    signers.add_user(K1)
    changed = VECTORS["negative"]["changed_price"]
    stranger = changed["stranger"].lower()
    assert refusal(lambda: authorise_l1(signers, changed["signature"])) == (
        f"User or API Wallet {stranger} does not exist."
    )


def test_wrong_network_names_the_stranger(signers: Signers) -> None:
    signers.add_user(K1)
    stranger = VECTORS["negative"]["wrong_source"]["stranger"].lower()
    assert refusal(lambda: authorise_l1(signers, signature(C1), mainnet=True)) == (
        f"User or API Wallet {stranger} does not exist."
    )


def test_malformed_signature_is_unrecoverable(signers: Signers) -> None:
    assert refusal(lambda: authorise_l1(signers, {"r": "0x1", "s": "0x2", "v": 29})) == "Unable to recover signer."


def agent_signature(nonce: int = NOW_MS) -> dict[str, Any]:
    return sign_l1_action(K5_KEY, C1["action"], nonce, mainnet=False)


def test_approved_agent_signs_for_its_user(signers: Signers) -> None:
    signers.add_user(K1)
    assert refusal(lambda: authorise_l1(signers, agent_signature())) == f"User or API Wallet {K5} does not exist."
    signers.approve_agent(K1, K5, "bot1")
    assert authorise_l1(signers, agent_signature()) == Authorised(user=K1, signer=K5)


def test_replaced_agent_is_answered_with_its_masters_deposit_text(signers: Signers) -> None:
    signers.add_user(K1)
    signers.approve_agent(K1, K5, "bot1")
    signers.approve_agent(K1, OTHER_AGENT, "bot1")
    assert refusal(lambda: authorise_l1(signers, agent_signature())) == (
        f"Must deposit before performing actions. User: {K1}"
    )
    assert signers.master_of(OTHER_AGENT) == K1


def test_unnamed_agent_is_replaced_by_the_next_unnamed_one(signers: Signers) -> None:
    signers.add_user(K1)
    signers.approve_agent(K1, K5)
    signers.approve_agent(K1, OTHER_AGENT, "bot1")
    assert authorise_l1(signers, agent_signature()).user == K1
    signers.approve_agent(K1, THIRD_AGENT)
    assert signers.master_of(K5) is None


def test_removed_agent_does_not_exist(signers: Signers) -> None:
    signers.add_user(K1)
    signers.approve_agent(K1, K5, "bot1")
    signers.approve_agent(K1, ZERO, "bot1")
    assert refusal(lambda: authorise_l1(signers, agent_signature())) == f"User or API Wallet {K5} does not exist."


def test_agent_cannot_sign_a_user_signed_action(signers: Signers) -> None:
    signers.add_user(K1)
    signers.approve_agent(K1, K5, "bot1")
    action = dict(USER["C4-approveAgent"]["action"])
    sig = sign_user_action(K5_KEY, action)
    assert refusal(
        lambda: signers.authorise(action, NOW_MS, sig, vault=None, expires_after=None, is_mainnet=False)
    ) == (f"Must deposit before performing actions. User: {K5}")


def test_reused_nonce_is_a_duplicate(signers: Signers, nonces: NonceWindows) -> None:
    signers.add_user(K1)
    nonces.consume(authorise_l1(signers, signature(C1)).signer, NOW_MS)
    assert refusal(lambda: authorise_l1(signers, signature(C1))) == "Invalid nonce: duplicate nonce 1733000000000"


def test_nonce_older_than_two_days_is_refused_before_the_signature(signers: Signers) -> None:
    garbage = {"r": "0x1", "s": "0x2", "v": 29}
    assert refusal(lambda: authorise_l1(signers, garbage, nonce=1_732_827_199_999)) == (
        "Invalid nonce: nonce too low 1732827199999 < 1732827200000"
    )


def test_nonce_more_than_a_day_ahead_is_refused(signers: Signers) -> None:
    assert refusal(lambda: authorise_l1(signers, signature(C1), nonce=1_733_086_400_001)) == (
        "Invalid nonce: nonce too high 1733086400001 > 1733086400000"
    )


def test_window_edges_pass_the_time_check(nonces: NonceWindows) -> None:
    nonces.check_time(1_732_827_200_000)
    nonces.check_time(1_733_086_400_000)


def test_window_keeps_the_hundred_highest_per_signer(nonces: NonceWindows) -> None:
    for nonce in range(NOW_MS + 1, NOW_MS + 102):
        nonces.consume(K1, nonce)
    assert nonces.kept(K1) == list(range(NOW_MS + 2, NOW_MS + 102))
    assert nonces.kept(K5) == []
    with pytest.raises(HyperliquidError, match=r"^Invalid nonce: nonce too low 1733000000001 < 1733000000002$"):
        nonces.check_signer(K1, NOW_MS + 1)  # fell out of the window: below its smallest, not a duplicate
    nonces.check_signer(K5, NOW_MS + 1)  # another signer's window is its own
    nonces.check_signer(K1, NOW_MS + 102)


def test_nonce_below_a_full_window_is_refused_through_authorise(signers: Signers, nonces: NonceWindows) -> None:
    signers.add_user(K1)
    for nonce in range(NOW_MS + 1, NOW_MS + 101):
        nonces.consume(K1, nonce)
    assert refusal(lambda: authorise_l1(signers, signature(C1))) == (
        "Invalid nonce: nonce too low 1733000000000 < 1733000000001"
    )


def test_expired_action_is_refused_after_the_signer_checks(signers: Signers, clock: ManualClock) -> None:
    signers.add_user(K1)
    c3 = L1["C3-testnet"]

    def call() -> Authorised:
        return signers.authorise(
            c3["action"], c3["nonce"], signature(c3), vault=None, expires_after=c3["expires_after"], is_mainnet=False
        )

    assert call() == Authorised(user=K1, signer=K1)
    clock.advance(60.001)  # expiresAfter is C1's nonce + 60 000 ms
    assert refusal(call) == "Action already expired"
