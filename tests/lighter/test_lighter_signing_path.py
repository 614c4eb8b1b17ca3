"""The order path's Go calls and form bodies: every call into the Go library runs on the signing
thread (a call from the main thread costs ~0.26 ms more), and sendTx's body is urlencode's."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import pytest
from lighter.signer_client import SignerClient, create_api_key

from xtb.connectors.lighter.rest import form_body
from xtb.connectors.lighter.signer import LighterSigner
from xtb.crypto import schnorr
from xtb.secrets import Secret
from xtb.sim.lighter import txs as T


async def test_orders_cancels_and_tokens_are_made_on_the_signing_thread(monkeypatch: Any) -> None:
    threads: list[tuple[str, str]] = []
    for name in ("sign_create_order", "sign_cancel_order", "sign_cancel_all_orders", "create_auth_token_with_expiry"):
        original = getattr(SignerClient, name)

        def spy(self: Any, *args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            threads.append((_name, threading.current_thread().name))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(SignerClient, name, spy)
    private, public, error = create_api_key()
    assert error is None
    signer = LighterSigner("http://127.0.0.1:9", 54321, 7, Secret(private, "k"), 300)
    await signer.open()
    try:
        signed = await signer.create_order(
            market_index=0, client_order_index=9, base_amount=100, price=300000, is_ask=False, order_type=0,
            time_in_force=2, reduce_only=False, order_expiry=-1, nonce=3,
        )  # fmt: skip
        await signer.cancel_order(market_index=0, index=9, nonce=4)
        await signer.cancel_all(market_index=0, nonce=5)
        assert signer.auth_token(600)
    finally:
        await signer.close()
    assert [name for name, _ in threads] == [
        "sign_create_order", "sign_cancel_order", "sign_cancel_all_orders", "create_auth_token_with_expiry",
    ]  # fmt: skip
    main = threading.main_thread().name
    assert all(thread.startswith("lighter-signer") and thread != main for _, thread in threads), threads
    tx = T.parse_tx(signed.tx_type, signed.tx_info)
    message = T.message(tx, 300)
    assert T.tx_hash(message) == signed.tx_hash
    assert schnorr.verify(bytes.fromhex(public[2:]), message, tx.sig)


@pytest.mark.parametrize(
    "form",
    [
        {"tx_type": "14", "tx_info": '{"AccountIndex":5,"Nonce":7,"Sig":"Cvg1+4Nc/3z=="}'},
        {"a b": "c&d=e+f%g", "~_.-": "é€😀\x00\x7f\n"},
        {"": ""},
    ],
)
def test_the_form_body_is_urlencodes(form: dict[str, str]) -> None:
    assert form_body(form) == urlencode(form).encode("ascii")
