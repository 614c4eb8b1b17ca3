"""Server-side Backpack signature checks (spec §2): rebuild the signed text from what arrived and
verify it with the ED25519 key named by `X-API-Key`.

The text is rebuilt from the request exactly as the venue does it: the instruction from (method,
path), the percent-decoded query pairs and then the top-level body keys, each block sorted by key,
values in their raw JSON token text (`1.50` stays `1.50`, booleans lower case), then
`&timestamp=<X-Timestamp>&window=<X-Window or 5000>`. A batch body signs one block per order, in
array order. Nothing is dropped, so an unknown key a client signed still has to verify.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from xtb.sim import inbound
from xtb.sim.backpack.errors import ApiError, param_error, unauthorized
from xtb.sim.engine_types import AccountId

DEFAULT_WINDOW_MS = 5000

INSTRUCTIONS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/account"): "accountQuery",
    ("PATCH", "/api/v1/account"): "accountUpdate",
    ("POST", "/api/v1/account/convertDust"): "convertDust",
    ("GET", "/api/v1/account/limits/borrow"): "maxBorrowQuantity",
    ("GET", "/api/v1/account/limits/order"): "maxOrderQuantity",
    ("GET", "/api/v1/account/limits/withdrawal"): "maxWithdrawalQuantity",
    ("GET", "/api/v1/capital"): "balanceQuery",
    ("GET", "/api/v1/capital/collateral"): "collateralQuery",
    ("GET", "/api/v1/order"): "orderQuery",
    ("POST", "/api/v1/order"): "orderExecute",
    ("DELETE", "/api/v1/order"): "orderCancel",
    ("GET", "/api/v1/orders"): "orderQueryAll",
    ("POST", "/api/v1/orders"): "orderExecute",
    ("DELETE", "/api/v1/orders"): "orderCancelAll",
    ("GET", "/api/v1/position"): "positionQuery",
    ("GET", "/api/v1/borrowLend/positions"): "borrowLendPositionQuery",
    ("POST", "/api/v1/borrowLend"): "borrowLendExecute",
    ("GET", "/wapi/v1/history/orders"): "orderHistoryQueryAll",
    ("GET", "/wapi/v1/history/fills"): "fillHistoryQueryAll",
    ("GET", "/wapi/v1/history/funding"): "fundingHistoryQueryAll",
    ("GET", "/wapi/v1/history/position"): "positionHistoryQueryAll",
    ("GET", "/wapi/v1/history/settlement"): "settlementHistoryQueryAll",
    ("GET", "/wapi/v1/history/borrowLend"): "borrowHistoryQueryAll",
    ("GET", "/wapi/v1/history/interest"): "interestHistoryQueryAll",
    ("GET", "/wapi/v1/history/borrowLend/positions"): "borrowPositionHistoryQueryAll",
    ("GET", "/wapi/v1/history/dust"): "dustHistoryQueryAll",
    ("GET", "/wapi/v1/history/strategies"): "strategyHistoryQueryAll",
    ("GET", "/wapi/v1/history/rfq"): "rfqHistoryQueryAll",
    ("GET", "/wapi/v1/history/rfq/fill"): "rfqFillHistoryQueryAll",
    ("GET", "/wapi/v1/history/quote"): "quoteHistoryQueryAll",
    ("GET", "/wapi/v1/history/quote/fill"): "quoteFillHistoryQueryAll",
    ("GET", "/wapi/v1/capital/withdrawals"): "withdrawalQueryAll",
    ("POST", "/wapi/v1/capital/withdrawals"): "withdraw",
    ("GET", "/wapi/v1/capital/deposits"): "depositQueryAll",
    ("GET", "/wapi/v1/capital/deposit/address"): "depositAddressQuery",
    ("POST", "/api/v1/rfq"): "rfqSubmit",
    ("POST", "/api/v1/rfq/quote"): "quoteSubmit",
    ("POST", "/api/v1/rfq/accept"): "quoteAccept",
    ("POST", "/api/v1/rfq/refresh"): "rfqRefresh",
    ("POST", "/api/v1/rfq/cancel"): "rfqCancel",
    ("GET", "/api/v1/rfqs"): "rfqQuery",
    ("GET", "/api/v1/strategy"): "strategyQuery",
    ("POST", "/api/v1/strategy"): "strategyCreate",
    ("DELETE", "/api/v1/strategy"): "strategyCancel",
    ("GET", "/api/v1/strategies"): "strategyQueryAll",
    ("DELETE", "/api/v1/strategies"): "strategyCancelAll",
    ("POST", "/api/v1/vault/mint"): "vaultMint",
    ("POST", "/api/v1/vault/redeem"): "vaultRedeemRequest",
    ("DELETE", "/api/v1/vault/redeem"): "vaultRedeemCancel",
    ("GET", "/wapi/v1/history/vault/mint"): "vaultMintHistoryQueryAll",
    ("GET", "/wapi/v1/history/vault/redeem"): "vaultRedeemHistoryQueryAll",
    ("POST", "/wapi/v1/user/2fa"): "issueTwoFactorToken",
}


# ------------------------------------------------------------------------------------- raw JSON


class RawNumber(str):
    """A JSON number kept as the text it was written in, so signing renders `1.50` as `1.50` and
    the order parser can tell `123` (a number) from `"123"` (a string)."""

    __slots__ = ()

    @property
    def is_integer(self) -> bool:
        text = self[1:] if self.startswith("-") else self
        return text.isascii() and text.isdigit()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """JSON with every number as a `RawNumber`; ValueError on anything that is not JSON (or too
    deep, too big, not UTF-8, or holding a lone surrogate: see `xtb.sim.inbound`)."""
    return inbound.loads(raw, parse_int=RawNumber, parse_float=RawNumber, parse_constant=_no_constant)


def compact(value: Any) -> str:
    """Compact JSON text of a parsed value, numbers in their original text."""
    if isinstance(value, RawNumber):
        return str(value)
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{compact(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a parsed JSON value: {type(value).__name__}")


def render(value: Any) -> str:
    """A value as it appears in the signed text (§2.3 rule 2 and the Sim defaults for null and
    nested values)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):  # RawNumber included: its literal text
        return str(value)
    return compact(value)


# ---------------------------------------------------------------------------------- signed text


def _sorted_pairs(pairs: Iterable[tuple[str, Any]]) -> list[str]:
    # stable sort: repeated keys keep their arrival order
    return [f"{key}={render(value)}" for key, value in sorted(pairs, key=lambda kv: kv[0].encode())]


def signing_string(instruction: str, query: Sequence[tuple[str, str]], body: Any, timestamp: int, window: int) -> str:
    """The text a client must have signed: query pairs sorted, then body pairs sorted (one block
    per order when the body is an array), then timestamp and window."""
    head = f"instruction={instruction}"
    if isinstance(body, list):
        blocks = ["&".join([head, *_sorted_pairs(query)])] if query else []
        for item in body:
            pairs = item.items() if isinstance(item, dict) else ()
            blocks.append("&".join([head, *_sorted_pairs(pairs)]))
        text = "&".join(blocks)
    else:
        body_pairs = body.items() if isinstance(body, dict) else ()
        text = "&".join([head, *_sorted_pairs(query), *_sorted_pairs(body_pairs)])
    return f"{text}&timestamp={timestamp}&window={window}"


# ------------------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class SignedHeaders:
    api_key: str
    signature: str
    timestamp: int
    window: int

    def __repr__(self) -> str:
        return f"SignedHeaders(api_key={self.api_key!r}, timestamp={self.timestamp}, window={self.window})"


class StreamAuthError(Exception):
    """A private subscription whose signature array does not verify (WS error 4003)."""


_HEADER_TYPES = {
    "X-API-KEY": "string",
    "X-SIGNATURE": "string",
    "X-TIMESTAMP": "integer(int64)",
    "X-WINDOW": "integer(uint64)",
}


def _integer(text: str, *, signed: bool) -> int | None:
    """An int64 / uint64 header value (at most 20 digits, as the venue's parser reads them)."""
    return inbound.integer(text, signed=signed)


class Verifier:
    """Checks signed requests and private subscriptions against the keys `lookup` knows.

    `now_ms` is the venue clock (injectable, so the spec's vectors with past timestamps verify);
    `error_status` is the status of the three INVALID_CLIENT_REQUEST auth errors (400, or 401).
    """

    def __init__(
        self,
        lookup: Callable[[str], AccountId | None],
        now_ms: Callable[[], int],
        *,
        error_status: int = 400,
        max_window_ms: int = 60_000,
        future_tolerance_ms: int | None = None,
    ) -> None:
        self._lookup = lookup
        self._now_ms = now_ms
        self._error_status = error_status
        self._max_window = max_window_ms
        self._future_tolerance = future_tolerance_ms
        self._keys: dict[str, VerifyKey | None] = {}

    def _fail(self, message: str) -> ApiError:
        return ApiError(self._error_status, "INVALID_CLIENT_REQUEST", message)

    def read_headers(self, headers: Mapping[str, str], *, optional_auth: bool) -> SignedHeaders:
        """The four auth headers, parsed. Missing or malformed ones fail the parameter parser
        (plain text 400); on `optional_auth` routes (/wapi) a missing one is a 401 instead."""
        values: dict[str, str] = {}
        for name, type_name in _HEADER_TYPES.items():
            value = headers.get(name)
            if value is None:
                if name == "X-WINDOW":
                    continue
                raise unauthorized() if optional_auth else param_error(name, type_name)
            values[name] = value
        timestamp = _integer(values["X-TIMESTAMP"], signed=True)
        if timestamp is None:
            raise param_error("X-TIMESTAMP", "integer(int64)", "invalid digit found in string")
        window = DEFAULT_WINDOW_MS
        if "X-WINDOW" in values:
            parsed = _integer(values["X-WINDOW"], signed=False)
            if parsed is None:
                raise param_error("X-WINDOW", "integer(uint64)", "invalid digit found in string")
            window = parsed
        return SignedHeaders(values["X-API-KEY"], values["X-SIGNATURE"], timestamp, window)

    def verify(self, signed: SignedHeaders, instruction: str, query: Sequence[tuple[str, str]], body: Any) -> AccountId:
        """The account the request is signed for; ApiError with the venue's message otherwise."""
        if signed.window > self._max_window:
            raise self._fail("Invalid X-Window header")
        account = self._lookup(signed.api_key)
        key = self._verify_key(signed.api_key) if account is not None else None
        if account is None or key is None:
            raise unauthorized()
        signature = _signature_bytes(signed.signature)
        if signature is None:
            raise self._fail("Invalid X-Signature header")
        if self._expired(signed.timestamp, signed.window):
            raise self._fail("Request has expired")
        message = signing_string(instruction, query, body, signed.timestamp, signed.window)
        try:
            key.verify(message.encode(), signature)
        except BadSignatureError:
            raise self._fail("Invalid signature") from None
        return account

    def verify_subscribe(self, signature: Any) -> AccountId:
        """The account a private SUBSCRIBE frame's `signature` array proves; StreamAuthError else."""
        if not isinstance(signature, list) or len(signature) != 4 or not all(isinstance(s, str) for s in signature):
            raise StreamAuthError("signature must be [api key, signature, timestamp, window]")
        api_key, sig_text, ts_text, window_text = signature
        timestamp = _integer(ts_text, signed=True)
        window = _integer(window_text, signed=False)
        if timestamp is None or window is None or window > self._max_window:
            raise StreamAuthError("bad timestamp or window")
        account = self._lookup(api_key)
        key = self._verify_key(api_key) if account is not None else None
        sig = _signature_bytes(sig_text)
        if account is None or key is None or sig is None:
            raise StreamAuthError("unknown key or undecodable signature")
        if self._expired(timestamp, window):
            raise StreamAuthError("expired")
        try:
            key.verify(signing_string("subscribe", (), None, timestamp, window).encode(), sig)
        except BadSignatureError:
            raise StreamAuthError("signature does not verify") from None
        return account

    def _expired(self, timestamp: int, window: int) -> bool:
        now = self._now_ms()
        tolerance = window if self._future_tolerance is None else self._future_tolerance
        return now > timestamp + window or timestamp - now > tolerance

    def _verify_key(self, api_key: str) -> VerifyKey | None:
        if api_key not in self._keys:
            try:
                raw = base64.b64decode(api_key, validate=True)
                self._keys[api_key] = VerifyKey(raw) if len(raw) == 32 else None
            except (binascii.Error, ValueError):
                self._keys[api_key] = None
        return self._keys[api_key]


def _signature_bytes(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 64 else None
