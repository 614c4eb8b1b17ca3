"""Sending signed Lighter transactions with a nonce the connector keeps itself (spec §2.6, §8).

One transaction at a time per API key, so nonces reach the venue in order. The local nonce is
dropped after any answer that is not a 200 — a refusal (nothing consumed), a rate limit, a 5xx, a
timeout or a cancellation (either way) — and fetched again from `nextNonce` before the next one;
an `invalid nonce` refusal is re-synced and retried once, since nothing was applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from xtb.connectors.lighter.errors import InvalidNonce
from xtb.connectors.lighter.rest import LighterRest
from xtb.connectors.lighter.signer import SignedTx

log = logging.getLogger(__name__)

Sign = Callable[[int, bool], Awaitable[SignedTx]]  # (nonce, skip_nonce) → signed transaction


class TxSender:
    def __init__(self, rest: LighterRest, account_index: int, key_index: int, *, skip_nonce: bool = False) -> None:
        self.rest = rest
        self.account_index = account_index
        self.key_index = key_index
        self.skip_nonce = skip_nonce
        self.next_nonce: int | None = None
        self.resyncs = 0
        self._lock = asyncio.Lock()

    def resync(self) -> None:
        """Forget the local nonce: the next transaction asks the venue first."""
        if self.next_nonce is not None:
            self.resyncs += 1
        self.next_nonce = None

    async def _nonce(self) -> int:
        if self.next_nonce is None:
            self.next_nonce = await self.rest.next_nonce(self.account_index, self.key_index)
        if self.skip_nonce:  # any larger nonce will do: epoch ms keeps processes sharing a key apart
            return max(self.next_nonce, int(time.time() * 1000))
        return self.next_nonce

    async def send(self, sign: Sign) -> str:
        """Sign with the next nonce and POST sendTx; the venue's tx_hash. Raises the classified
        refusal (VenueRejected, RateLimited, AmbiguousOutcome...) with the nonce re-synced."""
        async with self._lock:
            for attempt in (1, 2):
                nonce = await self._nonce()
                signed = await sign(nonce, self.skip_nonce)
                try:
                    body = await self.rest.send_tx(signed.tx_type, signed.tx_info)
                except InvalidNonce:
                    self.resync()
                    if attempt == 2:
                        raise
                    log.warning("invalid nonce %d for key %d; re-synced, retrying once", nonce, self.key_index)
                    continue
                except BaseException:
                    self.resync()
                    raise
                self.next_nonce = nonce + 1
                tx_hash = body.get("tx_hash") if isinstance(body, dict) else None
                if isinstance(tx_hash, str) and tx_hash != signed.tx_hash:
                    log.warning("venue tx_hash %s differs from the signer's %s", tx_hash, signed.tx_hash)
                return tx_hash if isinstance(tx_hash, str) else signed.tx_hash
        raise AssertionError("unreachable")
