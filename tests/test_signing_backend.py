"""secp256k1 runs in C: eth-keys (under eth-account, the Aster and GRVT signers and every
simulator's verifier) uses coincurve, and gives the same signatures as its pure-Python backend."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys import keys
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend

KEY = bytes.fromhex("11" * 32)
DIGEST = bytes.fromhex("6c" * 32)


def test_the_default_backend_is_the_c_one() -> None:
    assert isinstance(keys.backend, CoinCurveECCBackend), f"eth-keys signs with {type(keys.backend).__name__}"


def test_c_and_python_backends_sign_and_recover_alike() -> None:
    fast, slow = CoinCurveECCBackend(), NativeECCBackend()
    private = keys.PrivateKey(KEY)
    signature = fast.ecdsa_sign(DIGEST, private)
    assert signature == slow.ecdsa_sign(DIGEST, private), "RFC 6979 signatures are deterministic"
    assert fast.ecdsa_recover(DIGEST, signature) == slow.ecdsa_recover(DIGEST, signature) == private.public_key


def test_an_account_signature_recovers_to_its_address() -> None:
    account = Account.from_key(KEY)
    message = encode_defunct(text="xtb")
    signed = account.sign_message(message)
    assert Account.recover_message(message, signature=signed.signature) == account.address
