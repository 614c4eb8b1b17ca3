"""Who signs: the account index and the API key index (spec §2.1).

Both are numbers, not secrets, so they may come from the credentials, the venue file's
`identifiers:` or its `extra:` (that order wins). The key index is one more setting to get wrong,
so when none is given it is looked up by our key's public key among the account's keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from xtb.connectors.lighter import mapping
from xtb.connectors.lighter.endpoints import API_KEYS
from xtb.connectors.lighter.errors import ACCOUNT_NOT_FOUND
from xtb.connectors.lighter.rest import LighterRest
from xtb.crypto.schnorr import public_key
from xtb.errors import AuthError, VenueRejected
from xtb.secrets import Secret

VENUE = "lighter"
PRIVATE_KEY_BYTES = 40


def index_setting(
    name: str, credentials: Mapping[str, Secret], identifiers: Mapping[str, str], configured: int | None
) -> int | None:
    """An account or key index: a credential, else an identifier, else the `extra:` setting; None
    when none gives it."""
    if name in credentials:
        text = credentials[name].reveal().strip()
    elif name in identifiers:
        text = identifiers[name].strip()
    else:
        return configured
    if not text.isdigit():
        raise AuthError(f"{name} must be a non-negative integer", venue=VENUE)
    return int(text)


def our_public_key(private_key: Secret) -> str:
    """The public key (hex) of our API private key, as the venue lists registered keys."""
    raw = private_key.reveal().removeprefix("0x")
    try:
        private = bytes.fromhex(raw)
        if len(private) != PRIVATE_KEY_BYTES:
            raise ValueError("not 40 bytes")
        return public_key(int.from_bytes(private, "little")).hex()
    except ValueError:
        raise AuthError("api_private_key must be 0x + 80 hex characters", venue=VENUE) from None


async def registered_keys(rest: LighterRest, account: int) -> dict[int, str]:
    """The account's registered API keys: key index -> public key (hex), a public read."""
    try:
        body = await rest.get(API_KEYS, {"account_index": account})
    except VenueRejected as exc:
        if exc.code != str(ACCOUNT_NOT_FOUND):
            raise
        raise AuthError(f"account {account} not found (check account_index): {exc}", venue=VENUE) from None
    keys = {}
    for key in mapping.rows(mapping.get(body, "api_keys", "apikeys answer"), "api_keys"):
        index = mapping.integer(key.get("api_key_index"), "api_key_index", maximum=255)
        keys[index] = str(mapping.get(key, "public_key", "api key", "")).lower().removeprefix("0x")
    return keys


async def find_key_index(rest: LighterRest, account: int, private_key: Secret) -> int:
    """The index under which our key is registered for `account`; finding it proves the key."""
    ours = our_public_key(private_key)
    for index, registered in (await registered_keys(rest, account)).items():
        if registered == ours:
            return index
    raise AuthError(f"no API key of account {account} matches api_private_key (run changePubKey)", venue=VENUE)


async def prove_key(rest: LighterRest, account: int, key_index: int, private_key: Secret) -> None:
    """Our key is the one registered at `key_index`, read from the venue on every start.

    Why not the SDK's `check_client`: its Go library remembers a check per (account, key index) for
    the life of the process, so a second connector (or a restart against another host) in the same
    process is "checked" without a request: a wrong key would pass."""
    registered = (await registered_keys(rest, account)).get(key_index)
    if registered is None:
        raise AuthError(f"account {account} has no API key at index {key_index} (check api_key_index)", venue=VENUE)
    if registered != our_public_key(private_key):
        raise AuthError(
            f"the API key registered at index {key_index} of account {account} is not api_private_key's "
            "(check api_key_index, or run changePubKey)",
            venue=VENUE,
        )
