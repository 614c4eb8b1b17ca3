"""Time the Lighter simulator's pure-Python Schnorr verification (ECgFp5 + Poseidon2).

    python bench/lighter_verify.py [--seconds S] [--keys K] [--json]

Checks the spec's worked vector V1 first (a wrong verifier is not worth timing), then reports:
warm verifies (the key's comb table cached, as the simulator keeps it) per second and ms per verify
(mean, p50, p95); the cold first verify of a new key (square-root decode + table build); and the
parts (one Poseidon2 permutation, the signed message of a CreateOrder). Target: <= 5 ms per verify.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xtb.crypto import ecgfp5, schnorr
from xtb.crypto.poseidon2 import hash_to_quintic, permute

V1_PK = bytes.fromhex("f33ae92e4e9862b96f28bff0139f3d2c589fc090734b2d59677043eccf0e061e9e93c25018708b3e")
V1_INPUT = [304, 14, 7, 1795630659438, 12345, 3, 0, 1001, 100, 300000, 0, 0, 2, 0, 0, 1798049260438]
V1_SIG = "X7RZ6um3ra5DT5VAhx2cjJ6gBkyX5tKV1dRbyttum43sbxLhzAwuYfNitclAJSMdbFhAiT/KpJlRcZrYPNk1/AAB5Cx9IxR+nU1YK6GUAyA="
TARGET_MS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to run the warm loop")
    parser.add_argument("--keys", type=int, default=8, help="distinct keys in the warm loop")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    args = parser.parse_args()
    rng = random.Random(7)

    started = time.perf_counter()
    ecgfp5.generator_table()
    generator_ms = (time.perf_counter() - started) * 1000

    m = hash_to_quintic(V1_INPUT)
    if not schnorr.verify(V1_PK, m, base64.b64decode(V1_SIG), keys=schnorr.KeyCache()):
        print("the spec's vector V1 does not verify: refusing to time a wrong verifier", file=sys.stderr)
        return 1

    signed = []
    for _ in range(args.keys):
        sk = rng.randrange(1, schnorr.N)
        pk = schnorr.public_key(sk)
        for _ in range(4):
            msg = hash_to_quintic([rng.randrange(2**63) for _ in range(16)])
            signed.append((pk, msg, schnorr.sign(sk, msg, rng.randrange(1, schnorr.N))))

    cold = []
    for pk, msg, sig in signed[::4][: args.keys]:
        started = time.perf_counter()
        assert schnorr.verify(pk, msg, sig, keys=schnorr.KeyCache())
        cold.append((time.perf_counter() - started) * 1000)

    cache = schnorr.KeyCache()
    for pk, msg, sig in signed:
        assert schnorr.verify(pk, msg, sig, keys=cache)
    warm: list[float] = []
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        for pk, msg, sig in signed:
            t0 = time.perf_counter()
            ok = schnorr.verify(pk, msg, sig, keys=cache)
            warm.append((time.perf_counter() - t0) * 1000)
            assert ok
    tampered = (signed[0][0], signed[1][1], signed[0][2])
    assert not schnorr.verify(*tampered, keys=cache)

    state = list(range(12))
    started = time.perf_counter()
    for _ in range(500):
        permute(state)
    permutation_us = (time.perf_counter() - started) / 500 * 1e6
    started = time.perf_counter()
    for _ in range(200):
        hash_to_quintic(V1_INPUT)
    message_us = (time.perf_counter() - started) / 200 * 1e6

    mean = statistics.fmean(warm)
    result = {
        "verifies": len(warm),
        "verifies_per_s": round(1000 / mean, 1),
        "ms_per_verify_mean": round(mean, 3),
        "ms_per_verify_p50": round(statistics.median(warm), 3),
        "ms_per_verify_p95": round(statistics.quantiles(warm, n=20)[18], 3),
        "cold_first_verify_ms": round(statistics.median(cold), 3),
        "generator_table_ms": round(generator_ms, 1),
        "poseidon2_permutation_us": round(permutation_us, 1),
        "create_order_message_us": round(message_us, 1),
        "target_ms": TARGET_MS,
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"warm verify      : {result['ms_per_verify_mean']:.3f} ms mean, {result['ms_per_verify_p50']:.3f} p50, "
              f"{result['ms_per_verify_p95']:.3f} p95 -> {result['verifies_per_s']:.0f} verifies/s "
              f"({len(warm)} verifies, {args.keys} keys)")  # fmt: skip
        print(f"cold first verify: {result['cold_first_verify_ms']:.1f} ms (decode the key + build its comb table)")
        print(f"generator table  : {result['generator_table_ms']:.1f} ms once per process")
        print(f"poseidon2        : {result['poseidon2_permutation_us']:.0f} us per permutation, "
              f"{result['create_order_message_us']:.0f} us for a CreateOrder message")  # fmt: skip
        verdict = "meets" if mean <= TARGET_MS else "MISSES"
        print(f"target           : <= {TARGET_MS} ms per verify: {verdict}")
    return 0 if mean <= TARGET_MS else 2


if __name__ == "__main__":
    raise SystemExit(main())
