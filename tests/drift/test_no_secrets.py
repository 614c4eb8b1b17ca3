"""A shape file is attached to reports and kept as a baseline: no secret and no account identifier
may reach it. Only enum tokens survive from values, and keys made of ids become a map's key format."""

from __future__ import annotations

from pathlib import Path

from xtb.drift.keys import frame_key, rest_key
from xtb.drift.shape_file import ShapeFile

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOtDnRZn8q"  # 32 letters and digits, as Binance-style venues issue
API_KEY_B64 = "Zq2x8uP0rLm4Yb7TnK1dVf6HsW3eJc9Q5gAoXiRtMk0="  # an ED25519 public key (Backpack)
API_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ADDRESS = "0x8a3C0f1d2E4b5A6978C0D1e2F3a4B5c6D7e8F901"
ORDER_ID = "118464817309188096"
SUB_ACCOUNT = "2413847102938475"
SIGNATURE = "0x" + "4f" * 32 + "1b" * 32 + "1c"
SIGNATURE_B64 = "MEUCIQDk3v0k6qZ1uWmY9pXb2A7sT+/Hc1rN4yLhQe8JfGoVvwIgO2Kz=="
CLIENT_ID = "xa1b2c3d400000017"
SECRETS = [API_KEY, API_KEY_B64, API_SECRET, ADDRESS, ORDER_ID, SUB_ACCOUNT, SIGNATURE, SIGNATURE_B64, CLIENT_ID]


def payloads() -> list[tuple[str, object]]:
    return [
        (
            rest_key("POST", f"https://api.example/api/v1/orders/{ORDER_ID}?apiKey={API_KEY}", None),
            {
                "orderId": ORDER_ID,
                "clientId": CLIENT_ID,
                "apiKey": API_KEY,
                "publicKey": API_KEY_B64,
                "secret": API_SECRET,
                "signature": SIGNATURE,
                "sig": SIGNATURE_B64,
                "owner": ADDRESS,
                "sub_account_id": SUB_ACCOUNT,
                "status": "Filled",
                "price": "101.50",
            },
        ),
        (
            rest_key("POST", "/info", {"type": "clearinghouseState", "user": ADDRESS}),
            {"byUser": {ADDRESS: {"size": "1.0"}}, "accounts": {SUB_ACCOUNT: {"key": API_KEY}}},
        ),
        (
            frame_key({"channel": f"account_all_orders:{SUB_ACCOUNT}"}) or "",
            {"channel": f"account_all_orders:{SUB_ACCOUNT}", "orders": {ORDER_ID: [{"tx": API_SECRET}]}},
        ),
        (frame_key({"stream": API_KEY}) or "", {"stream": API_KEY, "data": {"signer": ADDRESS}}),
    ]


def test_no_secret_or_account_id_reaches_a_shape_file(tmp_path: Path) -> None:
    shapes = ShapeFile(venue="acme", source="venue", recorded_at="2026-12-07", environment="testnet")
    for key, value in payloads():
        shapes.add(key, value)
    text = shapes.write(tmp_path / "acme.json").read_text()
    leaked = [s for s in SECRETS if s in text or s.lower() in text.lower()]
    assert leaked == [], text
    assert "Filled" in text  # an enum token survives: the check can see a value


def test_the_check_would_see_a_leak(tmp_path: Path) -> None:
    shapes = ShapeFile(venue="acme", source="venue", recorded_at="2026-12-07")
    shapes.add("GET /x", {"status": "Filled"})
    shapes.shapes["GET /x"]["object"]["fields"]["status"]["shape"]["string"]["values"].append(API_KEY)
    text = shapes.write(tmp_path / "acme.json").read_text()
    assert API_KEY in text
