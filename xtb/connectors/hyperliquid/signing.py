"""Hyperliquid signatures (spec §2.3–2.5): L1 actions through the phantom agent, user-signed actions
through their own EIP-712 types, and the recovery the venue (and our simulator) does to name a signer.

L1: `connectionId = keccak(msgpack(action) ‖ nonce (8 bytes BE) ‖ vault flag [‖ vault] [‖ 0x00 ‖
expiresAfter])`, then EIP-712 `Agent(string source,bytes32 connectionId)` in the domain
`Exchange` / `1` / 1337 / 0x0, `source` "a" on mainnet and "b" on testnet. User-signed: the action's
typed fields (never `type` or `signatureChainId`) as `HyperliquidTransaction:<Name>` in the domain
`HyperliquidSignTransaction` / `1` / `signatureChainId` / 0x0.

Not the official SDK: it would bring its own pins into ours for three functions, and eth-account
(pinned already) does the EIP-712 hashing itself; msgpack is the one addition. The action is hashed
exactly as given: key order kept, integers and strings as the caller built them. The caller owns the
wire form (canonical decimal strings, lowercase hex, `f`/`a` omitted when false), because the venue
re-serialises its typed structs and any other bytes recover a stranger. Floats and nulls are refused
here, since the venue's structs never hold them.

Keys arrive as `Secret`s and are read only to sign; no error or repr shows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_hash.auto import keccak

from xtb.errors import AuthError
from xtb.secrets import Secret

VENUE = "hyperliquid"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
L1_CHAIN_ID = 1337
DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
AGENT_TYPE = [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}]

# action `type` → (primaryType suffix, hashed fields in order); spec §2.4
USER_SIGNED_TYPES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "approveAgent": (
        "ApproveAgent",
        [("hyperliquidChain", "string"), ("agentAddress", "address"), ("agentName", "string"), ("nonce", "uint64")],
    ),
    "approveBuilderFee": (
        "ApproveBuilderFee",
        [("hyperliquidChain", "string"), ("maxFeeRate", "string"), ("builder", "address"), ("nonce", "uint64")],
    ),
    "usdSend": (
        "UsdSend",
        [("hyperliquidChain", "string"), ("destination", "string"), ("amount", "string"), ("time", "uint64")],
    ),
    "withdraw3": (
        "Withdraw",
        [("hyperliquidChain", "string"), ("destination", "string"), ("amount", "string"), ("time", "uint64")],
    ),
    "spotSend": (
        "SpotSend",
        [
            ("hyperliquidChain", "string"),
            ("destination", "string"),
            ("token", "string"),
            ("amount", "string"),
            ("time", "uint64"),
        ],
    ),
    "usdClassTransfer": (
        "UsdClassTransfer",
        [("hyperliquidChain", "string"), ("amount", "string"), ("toPerp", "bool"), ("nonce", "uint64")],
    ),
    "sendAsset": (
        "SendAsset",
        [
            ("hyperliquidChain", "string"),
            ("destination", "string"),
            ("sourceDex", "string"),
            ("destinationDex", "string"),
            ("token", "string"),
            ("amount", "string"),
            ("fromSubAccount", "string"),
            ("nonce", "uint64"),
        ],
    ),
}
# the venue hashes an absent optional field as this value (the SDK deletes an empty agentName)
ABSENT_AS = {("approveAgent", "agentName"): ""}

Signature = dict[str, Any]  # {"r": "0x…", "s": "0x…", "v": 27 | 28}


def _refuse_floats_and_nulls(value: object, path: str) -> None:
    if isinstance(value, float) or value is None:
        raise TypeError(f"Hyperliquid action field {path} is {value!r}: the venue hashes no floats or nulls")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_floats_and_nulls(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats_and_nulls(item, f"{path}[{index}]")


def _address_bytes(address: str) -> bytes:
    """The venue parses addresses as bytes, so `0x`, no `0x` and any case are the same address."""
    raw = address.removeprefix("0x").removeprefix("0X")
    try:
        parsed = bytes.fromhex(raw)
    except ValueError:
        parsed = b""
    if len(parsed) != 20:
        raise AuthError(f"vault address {address!r} is not 20 hex bytes", venue=VENUE)
    return parsed


def action_preimage(
    action: Mapping[str, Any], nonce: int, vault_address: str | None = None, expires_after: int | None = None
) -> bytes:
    """The bytes whose keccak is the connectionId: what to compare when a hash disagrees."""
    _refuse_floats_and_nulls(action, "action")
    data = msgpack.packb(action) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault_address is None else b"\x01" + _address_bytes(vault_address)
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return data


def connection_id(
    action: Mapping[str, Any], nonce: int, vault_address: str | None = None, expires_after: int | None = None
) -> bytes:
    return keccak(action_preimage(action, nonce, vault_address, expires_after))


def l1_typed_data(connection: bytes, mainnet: bool) -> dict[str, Any]:
    """The phantom agent: the venue signs a hash, never the action itself."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Agent": AGENT_TYPE},
        "primaryType": "Agent",
        "domain": {"name": "Exchange", "version": "1", "chainId": L1_CHAIN_ID, "verifyingContract": ZERO_ADDRESS},
        "message": {"source": "a" if mainnet else "b", "connectionId": connection},
    }


def user_typed_data(action: Mapping[str, Any]) -> dict[str, Any]:
    """The typed data of a user-signed action; `signatureChainId` only feeds the domain."""
    kind = action.get("type")
    if kind not in USER_SIGNED_TYPES:
        raise AuthError(f"action type {kind!r} is not a user-signed action", venue=VENUE)
    name, fields = USER_SIGNED_TYPES[kind]
    message = {}
    for field, _ in fields:
        if field in action:
            message[field] = action[field]
        elif (kind, field) in ABSENT_AS:
            message[field] = ABSENT_AS[kind, field]
        else:
            raise AuthError(f"user-signed action {kind!r} lacks the field {field!r}", venue=VENUE)
    try:
        chain_id = int(action["signatureChainId"], 16)
    except (KeyError, TypeError, ValueError):
        raise AuthError(f"user-signed action {kind!r} needs signatureChainId as a hex string", venue=VENUE) from None
    primary = f"HyperliquidTransaction:{name}"
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, primary: [{"name": f, "type": t} for f, t in fields]},
        "primaryType": primary,
        "domain": {
            "name": "HyperliquidSignTransaction",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": ZERO_ADDRESS,
        },
        "message": message,
    }


def signable(typed: Mapping[str, Any]) -> SignableMessage:
    return encode_typed_data(full_message=dict(typed))


def digest(typed: Mapping[str, Any]) -> bytes:
    """keccak(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)): the 32 bytes actually signed."""
    message = signable(typed)
    return keccak(b"\x19" + message.version + message.header + message.body)


def _sign(private_key: Secret, typed: Mapping[str, Any]) -> Signature:
    try:
        account = Account.from_key(private_key.reveal())
    except Exception:  # eth-keys raises several types; none may carry the key into a message
        raise AuthError(f"{private_key.name} is not a valid secp256k1 private key", venue=VENUE) from None
    signed = account.sign_message(signable(typed))
    return {"r": hex(signed.r), "s": hex(signed.s), "v": signed.v}  # unpadded hex, as the SDK sends


def sign_l1_action(
    private_key: Secret,
    action: Mapping[str, Any],
    nonce: int,
    *,
    mainnet: bool,
    vault_address: str | None = None,
    expires_after: int | None = None,
) -> Signature:
    return _sign(private_key, l1_typed_data(connection_id(action, nonce, vault_address, expires_after), mainnet))


def sign_user_action(private_key: Secret, action: Mapping[str, Any]) -> Signature:
    """`action` must already hold `hyperliquidChain`, `signatureChainId` and the nonce/time field."""
    return _sign(private_key, user_typed_data(action))


def _vrs(signature: Mapping[str, Any]) -> tuple[int, int, int]:
    """r and s are `0x` + 1–64 hex digits (the SDK leaves them unpadded), v is 27 or 28."""
    try:
        r_text, s_text, v = signature["r"], signature["s"], signature["v"]
        parts = []
        for text in (r_text, s_text):
            digits = text.removeprefix("0x")
            if not (text.startswith("0x") and 1 <= len(digits) <= 64):
                raise ValueError
            parts.append(int(digits, 16))
        if type(v) is not int or v not in (27, 28):
            raise ValueError
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AuthError("Unable to recover signer: the signature is not {r, s, v}", venue=VENUE) from None
    return v, parts[0], parts[1]


def _recover(typed: Mapping[str, Any], signature: Mapping[str, Any]) -> str:
    try:
        return Account.recover_message(signable(typed), vrs=_vrs(signature))
    except AuthError:
        raise
    except Exception:  # eth-keys refuses r or s out of range, or a point that is not on the curve
        raise AuthError("Unable to recover signer: the signature matches no public key", venue=VENUE) from None


def recover_l1_signer(
    action: Mapping[str, Any],
    nonce: int,
    signature: Mapping[str, Any],
    *,
    mainnet: bool,
    vault_address: str | None = None,
    expires_after: int | None = None,
) -> str:
    """The checksummed address that signed: a wrong network, byte or nonce recovers a stranger,
    which is the address the venue names in its error."""
    typed = l1_typed_data(connection_id(action, nonce, vault_address, expires_after), mainnet)
    return _recover(typed, signature)


def recover_user_signer(action: Mapping[str, Any], signature: Mapping[str, Any]) -> str:
    return _recover(user_typed_data(action), signature)
