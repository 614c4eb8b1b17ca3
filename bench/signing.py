"""secp256k1 sign and recover: the C backend (coincurve) against eth-keys' pure-Python one.

    python bench/signing.py [rounds]

Interleaved in one process (the machine is noisy): each round times a batch of signatures and of
recoveries on each backend in turn; prints medians per operation and the ratio. Every EIP-712 /
ECDSA path of the project (Aster V3 and GRVT signing, the simulators' verification) goes through
eth-keys, which uses coincurve when it is installed (tests/test_signing_backend.py checks it is).
"""

from __future__ import annotations

import statistics
import sys
import time

from eth_keys import KeyAPI, keys
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend

KEY = keys.PrivateKey(bytes.fromhex("11" * 32))
DIGEST = bytes.fromhex("6c" * 32)
BATCH = 50


def _per_op_ms(work: object) -> float:
    started = time.perf_counter()
    for _ in range(BATCH):
        work()  # type: ignore[operator]
    return (time.perf_counter() - started) / BATCH * 1e3


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    apis = {"python": KeyAPI(NativeECCBackend), "coincurve": KeyAPI(CoinCurveECCBackend)}
    signature = apis["coincurve"].ecdsa_sign(DIGEST, KEY)
    results: dict[str, dict[str, list[float]]] = {name: {"sign": [], "recover": []} for name in apis}
    for _ in range(rounds):
        for name, api in apis.items():
            results[name]["sign"].append(_per_op_ms(lambda api=api: api.ecdsa_sign(DIGEST, KEY)))
            results[name]["recover"].append(_per_op_ms(lambda api=api: api.ecdsa_recover(DIGEST, signature)))
    print(f"default backend: {type(keys.backend).__name__}")
    for op in ("sign", "recover"):
        slow = statistics.median(results["python"][op])
        fast = statistics.median(results["coincurve"][op])
        print(f"{op:8}: python {slow:.3f} ms, coincurve {fast:.3f} ms per op (median of {rounds}), ×{slow / fast:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
