"""Backpack signing against the worked vectors of the venue spec (§2.7): seed = 32 bytes of 0x01."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xtb.connectors.backpack import endpoints
from xtb.connectors.backpack.auth import BackpackSigner, signing_string
from xtb.connectors.backpack.endpoints import Endpoint
from xtb.errors import AuthError
from xtb.secrets import Secret
from xtb.sim.backpack.auth import INSTRUCTIONS as SPEC_INSTRUCTIONS  # the spec's §2.4 table

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "signing_vectors.json").read_text())
SIGNER = BackpackSigner(Secret(VECTORS["secret"], "backpack_secret"))


def test_api_key_is_the_public_key_of_the_seed() -> None:
    assert SIGNER.api_key == VECTORS["api_key"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["name"])
def test_signing_string_and_signature_match_the_spec(vector: dict) -> None:
    params = vector["params"]
    text = signing_string(vector["instruction"], params, vector["timestamp"], vector.get("window", 5000))
    assert text == vector["string"]
    assert SIGNER.sign(text) == vector["signature"]


def test_capitalised_boolean_gives_a_different_signature() -> None:
    # Vector 5: signing "postOnly=True" (Python's str(True)) is what the venue rejects.
    vector4 = next(v for v in VECTORS["vectors"] if v["name"] == "4-order-limit-post-only")
    wrong = vector4["string"].replace("postOnly=true", "postOnly=True")
    assert SIGNER.sign(wrong) == VECTORS["wrong_boolean_signature"]
    assert SIGNER.sign(vector4["string"]) != VECTORS["wrong_boolean_signature"]


def test_headers_carry_key_signature_timestamp_and_window() -> None:
    vector = next(v for v in VECTORS["vectors"] if v["name"] == "2-balance-query")
    headers = SIGNER.headers("balanceQuery", {}, vector["timestamp"])
    assert headers == {
        "X-API-Key": VECTORS["api_key"],
        "X-Signature": vector["signature"],
        "X-Timestamp": str(vector["timestamp"]),
        "X-Window": "5000",
    }


def test_ws_subscribe_signature() -> None:
    vector = next(v for v in VECTORS["vectors"] if v["name"] == "3-ws-subscribe")
    assert SIGNER.subscribe_signature(vector["timestamp"]) == [
        VECTORS["api_key"],
        vector["signature"],
        str(vector["timestamp"]),
        "5000",
    ]


def test_every_route_signs_the_instruction_the_spec_names() -> None:
    """Each route of the endpoint table signs the spec's instruction for it (§2.4), and a route
    the spec signs is never sent unsigned."""
    routes = [e for e in vars(endpoints).values() if isinstance(e, Endpoint)]
    assert len(routes) == 14
    for route in routes:
        assert route.instruction == SPEC_INSTRUCTIONS.get((route.method, route.path)), route
    assert endpoints.CANCEL_ORDER.instruction == "orderCancel"
    assert endpoints.FILL_HISTORY.instruction == "fillHistoryQueryAll"


@pytest.mark.parametrize("bad", ["not base64!!", "AQEB"])
def test_bad_secret_is_a_clear_auth_error_without_the_secret(bad: str) -> None:
    with pytest.raises(AuthError) as caught:
        BackpackSigner(Secret(bad + "xxxxxx" if len(bad) < 6 else bad, "backpack_secret"))
    assert bad not in str(caught.value)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        signing_string("orderExecute", {"price": 1.5}, 1, 5000)  # type: ignore[dict-item]


def test_signer_repr_hides_the_key() -> None:
    assert VECTORS["secret"] not in repr(SIGNER)
