"""GRVT `Order` signatures at C speed, byte for byte what grvt-pysdk signs.

grvt-pysdk's `get_order_payload` defines what an order signature is: the EIP-712 types
(`EIP712_ORDER_MESSAGE_TYPE`), the domain (`get_EIP712_domain_data`), the time-in-force codes and
how sizes and prices are scaled. `OrderSigner` takes every one of these from the SDK. What the SDK
also does on every order, and this does once per signer: hash the constant domain and type strings,
parse the private key twice (to sign, and again for the signer's address), and format the whole
order into an INFO log line. That is ~0.5 ms an order there and ~0.05 ms here: fast enough to sign
on the event loop instead of handing each order to a thread and back.

`sdk.sign_order` (the SDK's own path) stays the reference: the tests compare the two on the spec's
vector and across many orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import coincurve
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from pysdk.grvt_ccxt_types import PRICE_MULTIPLIER
from pysdk.grvt_ccxt_utils import (
    EIP712_ORDER_MESSAGE_TYPE,
    TIME_IN_FORCE_TO_SIGN_TIME_IN_FORCE,
    TimeInForce,
    get_EIP712_domain_data,
)

from xtb.connectors.grvt.sdk import SIGNING_TIFS, InstrumentMeta, SdkEnv, plain
from xtb.errors import AuthError
from xtb.secrets import Secret

Types = Mapping[str, Sequence[Mapping[str, str]]]
PRIMARY = "Order"


def encode_type(primary: str, types: Types) -> str:
    """EIP-712 `encodeType`: the primary struct, then the structs it uses, sorted by name."""
    deps: set[str] = set()
    pending = [primary]
    while pending:
        for field in types[pending.pop()]:
            name = field["type"].removesuffix("[]")
            if name in types and name not in deps and name != primary:
                deps.add(name)
                pending.append(name)

    def one(name: str) -> str:
        fields = ",".join(f"{field['type']} {field['name']}" for field in types[name])
        return f"{name}({fields})"

    return one(primary) + "".join(one(name) for name in sorted(deps))


class StructHasher:
    """EIP-712 `hashStruct` for the value types GRVT orders use (uintN, intN, bool, structs and
    arrays of structs), encoding values as eth-account does (a str integer is decimal, or hex with
    0x; "false" / "0" are false) and refusing any value out of its type's range, as eth-abi does.
    Each struct's field encoders are chosen once, from the types."""

    def __init__(self, types: Types) -> None:
        self.types = types
        self.type_hashes = {name: keccak(encode_type(name, types).encode()) for name in types}
        self._fields = {
            name: [(field["name"], self._encoder(field["type"], field["name"])) for field in fields]
            for name, fields in types.items()
        }

    def hash_struct(self, name: str, value: Mapping[str, Any]) -> bytes:
        return keccak(self.type_hashes[name] + b"".join(encode(value[key]) for key, encode in self._fields[name]))

    def _encoder(self, type_: str, name: str) -> Callable[[Any], bytes]:
        if type_.endswith("[]"):
            item = self._encoder(type_[:-2], name)

            def array(value: Any) -> bytes:
                if not isinstance(value, list):
                    raise ValueError(f"{name}: expected a list for {type_}, got {type(value).__name__}")
                return keccak(b"".join(item(v) for v in value))

            return array
        if type_ in self.types:
            return lambda value: self.hash_struct(type_, value)
        if type_ == "bool":
            return lambda value: _FALSE if not value or value in ("False", "false", "0") else _TRUE
        if type_.startswith(("uint", "int")):
            signed = type_.startswith("int")
            bits = int(type_.removeprefix("int" if signed else "uint") or 256)
            low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)

            def integer(value: Any) -> bytes:
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise ValueError(f"{name}: expected an integer for {type_}, got {value!r}")
                number = int(value, 16) if isinstance(value, str) and value[:2] in ("0x", "0X") else int(value)
                if not low <= number < high:
                    raise ValueError(f"{name}: {number} is out of range for {type_}")
                return (number % _WORD).to_bytes(32, "big")

            return integer
        raise ValueError(f"{name}: EIP-712 type {type_} is not one a GRVT order uses")


_WORD = 2**256
_FALSE, _TRUE = bytes(32), (1).to_bytes(32, "big")


def _zero(type_: str, types: Types) -> Any:
    """The zero value of a type (an empty array, a struct of zeros): a message to hash the domain with."""
    if type_.endswith("[]"):
        return []
    if type_ in types:
        return {f["name"]: _zero(f["type"], types) for f in types[type_]}
    return False if type_ == "bool" else 0


class OrderSigner:
    """One private key signing `Order`s on one environment (its chain id)."""

    def __init__(self, env: SdkEnv, private_key: Secret) -> None:
        try:
            account = Account.from_key(private_key.reveal())
        except (ValueError, TypeError):
            raise AuthError("the grvt private key is not a valid secp256k1 key", venue="grvt") from None
        self.address = account.address
        self.chain_id = env.chain_id
        self._key = coincurve.PrivateKey(bytes(account.key))  # parsed once; no repr shows it
        self._hasher = StructHasher(EIP712_ORDER_MESSAGE_TYPE)
        zero = _zero(PRIMARY, EIP712_ORDER_MESSAGE_TYPE)
        domain = encode_typed_data(get_EIP712_domain_data(env), EIP712_ORDER_MESSAGE_TYPE, zero).header  # type: ignore[arg-type]
        self._prefix = b"\x19\x01" + domain

    def __repr__(self) -> str:
        return f"OrderSigner(signer={self.address}, chain_id={self.chain_id}, key=***)"

    def sign_order(
        self,
        *,
        sub_account_id: str,
        instrument: InstrumentMeta,
        is_buy: bool,
        size: Decimal,
        limit_price: Decimal | None,
        time_in_force: str,
        post_only: bool,
        reduce_only: bool,
        client_order_id: str,
        nonce: int,
        expiration_ns: int,
    ) -> dict[str, Any]:
        """The `create_order` body, as `sdk.sign_order` makes it (same arguments, same bytes)."""
        if time_in_force not in SIGNING_TIFS:
            raise ValueError(f"grvt: time in force {time_in_force!r} is not one of {sorted(SIGNING_TIFS)}")
        price = limit_price or Decimal(0)
        expiration = str(expiration_ns)
        message = {  # get_signable_message's message, scaled as it scales
            "subAccountID": sub_account_id,
            "isMarket": limit_price is None,
            "timeInForce": TIME_IN_FORCE_TO_SIGN_TIME_IN_FORCE[TimeInForce[time_in_force]].value,
            "postOnly": post_only,
            "reduceOnly": reduce_only,
            "legs": [
                {
                    "assetID": instrument.instrument_hash,
                    "contractSize": int(Decimal(size) * Decimal(10**instrument.base_decimals)),
                    "limitPrice": int(Decimal(price) * Decimal(PRICE_MULTIPLIER)),
                    "isBuyingContract": is_buy,
                }
            ],
            "nonce": nonce,
            "expiration": expiration,
        }
        digest = keccak(self._prefix + self._hasher.hash_struct(PRIMARY, message))
        signature = self._key.sign_recoverable(digest, hasher=None)  # r ‖ s ‖ recovery id
        return {
            "order": {
                "sub_account_id": str(sub_account_id),
                "is_market": limit_price is None,
                "time_in_force": time_in_force,
                "post_only": post_only,
                "reduce_only": reduce_only,
                "legs": [
                    {
                        "instrument": instrument.name,
                        "size": plain(size),
                        "limit_price": plain(price),
                        "is_buying_asset": bool(is_buy),
                    }
                ],
                "signature": {
                    "r": "0x" + signature[:32].hex(),
                    "s": "0x" + signature[32:64].hex(),
                    "v": signature[64] + 27,
                    "expiration": expiration,
                    "nonce": nonce,
                    "signer": self.address,
                    "chain_id": str(self.chain_id),
                },
                "metadata": {"client_order_id": client_order_id},
            }
        }
