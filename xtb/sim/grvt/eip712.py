"""GRVT's EIP-712 structs (spec §2.5-§2.6) and their verification with eth-account, written from the
spec and independent of grvt-pysdk, so the simulator checks the connector's signing rather than
agreeing with it by construction.

Domain `{name: "GRVT Exchange", version: "0", chainId}`: no verifyingContract, no salt. Amounts are
scaled to integers by truncation with exact decimal arithmetic, never through binary floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_typed_data

DOMAIN_NAME = "GRVT Exchange"
DOMAIN_VERSION = "0"
PRICE_DECIMALS = 9
BUILDER_FEE_DECIMALS = 4  # the percent value × 10^4
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ZERO_ADDRESS = "0x" + "0" * 40
NO_BUILDER = frozenset({"", "0x00", "0x0", ZERO_ADDRESS})
TIME_IN_FORCE = {
    "GOOD_TILL_TIME": 1,
    "ALL_OR_NONE": 2,
    "IMMEDIATE_OR_CANCEL": 3,
    "FILL_OR_KILL": 4,
    "RETAIL_PRICE_IMPROVEMENT": 5,
}


def _fields(spec: str) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for kind, name in (item.split() for item in spec.split(","))]


_DOMAIN = _fields("string name,string version,uint256 chainId")
_LEG = _fields("uint256 assetID,uint64 contractSize,uint64 limitPrice,bool isBuyingContract")
_ORDER_HEAD = "uint64 subAccountID,bool isMarket,uint8 timeInForce,bool postOnly,bool reduceOnly,OrderLeg[] legs"
TYPES: dict[str, dict[str, list[dict[str, str]]]] = {
    "Order": {
        "Order": _fields(f"{_ORDER_HEAD},uint32 nonce,int64 expiration"),
        "OrderLeg": _LEG,
    },
    "OrderWithBuilderFee": {
        "OrderWithBuilderFee": _fields(
            f"{_ORDER_HEAD},address builder,uint32 builderFee,uint32 nonce,int64 expiration"
        ),
        "OrderLeg": _LEG,
    },
    "WalletLogin": {"WalletLogin": _fields("address signer,uint32 nonce,int64 expiration")},
    "AuthorizeBuilder": {
        "AuthorizeBuilder": _fields(
            "address mainAccountID,address builderAccountID,uint32 maxFutureFeeRate,uint32 maxSpotFeeRate,"
            "uint32 nonce,int64 expiration"
        )
    },
    "AddAccountSignerWithBuilder": {
        "AddAccountSignerWithBuilder": _fields(
            "address accountID,address signer,string permissions,address builderAccountID,uint32 maxFutureFeeRate,"
            "uint32 maxSpotFeeRate,uint32 nonce,int64 expiration"
        )
    },
}


def truncate_scaled(value: Decimal, decimals: int) -> int:
    """`value × 10^decimals`, truncated: "1.1231231234" at 9 decimals is 1123123123, not ...124."""
    return int(value.scaleb(decimals).to_integral_value(rounding=ROUND_DOWN))


def has_builder(builder: Any) -> bool:
    """§2.6: `OrderWithBuilderFee` iff a builder is present and not one of the zero forms."""
    return isinstance(builder, str) and builder.lower() not in NO_BUILDER


def typed_message(primary: str, message: Mapping[str, Any], chain_id: int) -> SignableMessage:
    full = {
        "types": {"EIP712Domain": _DOMAIN, **TYPES[primary]},
        "primaryType": primary,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id},
        "message": dict(message),
    }
    return encode_typed_data(full_message=full)


def domain_separator(chain_id: int) -> bytes:
    return bytes(typed_message("WalletLogin", {"signer": ZERO_ADDRESS, "nonce": 0, "expiration": 0}, chain_id).header)


def digest(signable: SignableMessage) -> bytes:
    """keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct): what the key signs."""
    return bytes(_hash_eip191_message(signable))


def recover(signable: SignableMessage, v: int, r: int, s: int) -> str | None:
    """The signer's address (lower case), or None when no key recovers from these values."""
    try:
        return str(Account.recover_message(signable, vrs=(v, r, s))).lower()
    except Exception:  # an r / s off the curve: no signer at all
        return None


def sign(signable: SignableMessage, private_key: str) -> dict[str, Any]:
    """`{signer, r, s, v}` as the venue's JSON carries them (a test and tooling helper)."""
    signed = Account.sign_message(signable, private_key)
    return {
        "signer": str(Account.from_key(private_key).address),
        "r": f"0x{signed.r:064x}",
        "s": f"0x{signed.s:064x}",
        "v": int(signed.v),
    }


def order_message(
    *,
    sub_account_id: int,
    is_market: bool,
    time_in_force: int,
    post_only: bool,
    reduce_only: bool,
    legs: list[Mapping[str, Any]],
    nonce: int,
    expiration: int,
    builder: str | None = None,
    builder_fee: int = 0,
) -> tuple[str, dict[str, Any]]:
    """(primary type, message) of an order; legs carry `assetID, contractSize, limitPrice,
    isBuyingContract` already scaled. A builder (not a zero form) selects `OrderWithBuilderFee`."""
    message: dict[str, Any] = {
        "subAccountID": sub_account_id,
        "isMarket": is_market,
        "timeInForce": time_in_force,
        "postOnly": post_only,
        "reduceOnly": reduce_only,
        "legs": [dict(leg) for leg in legs],
    }
    primary = "Order"
    if builder is not None and has_builder(builder):
        primary = "OrderWithBuilderFee"
        message["builder"] = builder.lower()
        message["builderFee"] = builder_fee
    message["nonce"] = nonce
    message["expiration"] = expiration
    return primary, message
