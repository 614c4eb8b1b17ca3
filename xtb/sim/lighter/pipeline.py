"""The checks every Lighter transaction passes, in the spec's order (§2.6): parse (done by the
caller) → key lookup (21100 / 21110 / 21108) → signature (21120) → ExpiredAt (21501) → nonce
(21104) → field rules (217xx) → business rules, then apply, consume the nonce and log the tx.

Transactions of one (account, key) slot go through one at a time (a lock per slot), so pipelined
nonces are checked in arrival order even while a signature is being verified off the loop. A
refusal consumes nothing; an accepted transaction consumes its nonce even if its order then ends
`canceled-…`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct

from xtb.crypto import schnorr
from xtb.sim import inbound
from xtb.sim.lighter import errors as E
from xtb.sim.lighter import txs as T
from xtb.sim.lighter.desk import TxDesk
from xtb.sim.lighter.errors import LighterError, invalid_tx_info
from xtb.sim.lighter.keys import MAX_NONCE, Verifier
from xtb.sim.lighter.parts import VenueParts
from xtb.sim.lighter.state import TxRecord

log = logging.getLogger(__name__)


def _hex16(value: int) -> str:
    return f"0x{value:016x}"


def l1_message(tx: T.Tx, chain_id: int) -> str:
    """The EIP-191 text an account owner signs for ChangePubKey / ApproveIntegrator (§2.7)."""
    ids = (_hex16(tx.nonce), _hex16(tx.account), _hex16(tx.key_index))
    common = "nonce: {}\naccount index: {}\napi key index: {}\n".format(*ids)
    tail = "Only sign this message for a trusted client!"
    if tx.tx_type == T.CHANGE_PUB_KEY:
        return f"Register Lighter Account\n\npubkey: 0x{tx['PubKey'].hex()}\n{common}{tail}"
    return (
        f"Approve Integrator\n\n{common}integrator account index: {_hex16(tx['IntegratorAccountIndex'])}\n"
        f"max perps taker fee: {_hex16(tx['MaxPerpsTakerFee'])}\n"
        f"max perps maker fee: {_hex16(tx['MaxPerpsMakerFee'])}\n"
        f"max spot taker fee: {_hex16(tx['MaxSpotTakerFee'])}\nmax spot maker fee: {_hex16(tx['MaxSpotMakerFee'])}\n"
        f"approval expiry: {_hex16(tx['ApprovalExpiry'])}\nchainId: {_hex16(chain_id)}\n{tail}"
    )


def l1_signer(text: str, signature: str) -> str | None:
    """The Ethereum address that signed `text` (personal_sign), or None."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x").removeprefix("0X"))
        if len(raw) != 65:
            return None
        return str(Account.recover_message(encode_defunct(text=text), signature=raw))
    except Exception:  # any malformed signature is simply not a signature of the owner
        return None


class TxPipeline:
    """Checks transactions (`verifier` for signatures), applies them at `desk` and hands each
    accepted one to `publish_tx` (the stream feed's `account_tx`)."""

    def __init__(
        self, venue: VenueParts, verifier: Verifier, desk: TxDesk, publish_tx: Callable[[TxRecord], None]
    ) -> None:
        self.venue = venue
        self.verifier = verifier
        self.desk = desk
        self.publish_tx = publish_tx
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def _lock(self, tx: T.Tx) -> asyncio.Lock:
        return self._locks.setdefault((tx.account, tx.key_index), asyncio.Lock())

    async def submit(self, tx: T.Tx) -> str:
        """Check and apply one transaction; its tx_hash, or LighterError."""
        return (await self.submit_batch([tx], single=True))[0]

    async def submit_lists(self, tx_types: Any, tx_infos: Any) -> list[str]:
        """A batch as `sendTxBatch` carries it: `tx_types` JSON text of ints and `tx_infos` JSON
        text of tx_info strings (lists also accepted, for WS)."""
        types, infos = _json_list(tx_types, "tx_types"), _json_list(tx_infos, "tx_infos")
        if len(types) != len(infos) or not types:
            raise LighterError(E.BATCH_LENGTH)
        if len(types) > self.venue.settings.max_batch:
            raise LighterError(E.BATCH_TOO_LONG)
        return await self.submit_batch([T.parse_tx(t, i) for t, i in zip(types, infos, strict=True)])

    async def submit_batch(self, batch: Sequence[T.Tx], *, single: bool = False) -> list[str]:
        if not single:
            if len(batch) > self.venue.settings.max_batch:
                raise LighterError(E.BATCH_TOO_LONG)
            if len({(tx.account, tx.key_index) for tx in batch}) > 1:
                raise LighterError(E.BATCH_MIXED_KEYS)
            if any(b.nonce <= a.nonce for a, b in itertools.pairwise(batch)):
                raise LighterError(E.BATCH_NONCE)
        async with self._lock(batch[0]):
            messages = [await self._authenticate(tx) for tx in batch]
            now_ms = self.venue.now_ms()
            expected = self.venue.keys.next_nonce(batch[0].account, batch[0].key_index)
            for tx in batch:
                self._check_fresh(tx, now_ms)
                self._check_nonce(tx, expected)
                expected = tx.nonce + 1
                T.validate(tx, now_ms, expiry_window=self.venue.settings.order_expiry_window)
            hashes = []
            for tx, m in zip(batch, messages, strict=True):
                hashes.append(self._apply(tx, T.tx_hash(m)))
            return hashes

    async def _authenticate(self, tx: T.Tx) -> T.Limbs:
        venue = self.venue
        if tx.account not in venue.accounts():
            raise LighterError(E.ACCOUNT_NOT_FOUND)
        if tx.key_index > T.MAX_API_KEY_INDEX:
            raise LighterError(E.INVALID_API_KEY_INDEX)
        if tx.tx_type == T.CHANGE_PUB_KEY:
            public_key = tx["PubKey"]  # the new key signs its own registration
            self._check_l1(tx)
        else:
            key = venue.keys.get(tx.account, tx.key_index)
            if key is None:
                raise LighterError(E.KEY_NOT_REGISTERED)
            public_key = key.public_key
            if tx.tx_type == T.APPROVE_INTEGRATOR:
                self._check_l1(tx)
        m = T.message(tx, venue.settings.chain_id)
        try:
            ok = await self.verifier.verify(public_key, m, tx.sig)
        except schnorr.InvalidKey:
            if tx.tx_type == T.CHANGE_PUB_KEY:
                raise invalid_tx_info("invalid PubKey") from None
            raise LighterError(E.KEY_NOT_REGISTERED) from None
        if not ok:
            raise LighterError(E.INVALID_SIGNATURE)
        return m

    def _check_l1(self, tx: T.Tx) -> None:
        """The owner's L1 signature, when the simulator knows the account's L1 address."""
        owner = self.venue.l1_addresses.get(tx.account)
        if owner is None:
            return
        signer = l1_signer(l1_message(tx, self.venue.settings.chain_id), tx["L1Sig"])
        if signer is None or signer.lower() != owner.lower():
            raise LighterError(E.INVALID_SIGNATURE, "L1 signature is not the account owner's")

    def _check_fresh(self, tx: T.Tx, now_ms: int) -> None:
        if self.venue.settings.check_expired_at and tx.expired_at <= now_ms:
            raise invalid_tx_info("expired")

    def _check_nonce(self, tx: T.Tx, expected: int) -> None:
        ok = expected <= tx.nonce <= MAX_NONCE if tx.skip_nonce else tx.nonce == expected
        if not ok:
            raise LighterError(self.venue.settings.nonce_error_code, message="invalid nonce")

    def _apply(self, tx: T.Tx, tx_hash: str) -> str:
        venue = self.venue
        height = venue.state.next_height()
        self.desk.apply(tx, tx_hash, height)
        now = venue.clock.time()
        venue.keys.consume(tx.account, tx.key_index, tx.nonce, round(now * 1_000_000))
        record = TxRecord(
            tx_hash, tx.tx_type, tx.text, tx.account, tx.key_index, tx.nonce, tx.expired_at, height, round(now * 1000)
        )
        venue.state.record_tx(record)
        self.publish_tx(record)
        log.debug("lighter tx accepted type=%d account=%d key=%d nonce=%d", tx.tx_type, tx.account, tx.key_index,
                  tx.nonce)  # fmt: skip
        return tx_hash


def _json_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, str):
        try:
            value = inbound.loads(value)
        except ValueError:
            raise LighterError(E.INVALID_TX_INFO, f"{name} is not JSON") from None
    if not isinstance(value, list):
        raise LighterError(E.INVALID_TX_INFO, f"{name} must be a list")
    return value
