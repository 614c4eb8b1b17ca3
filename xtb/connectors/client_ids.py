"""Client order ids inside each venue's limits, tagged per run where the venue leaves room.

The run tag lets cleanup touch only this run's orders: `owns(client_id)` says whether an id was
made by this generator's run. Ids are always handed around as strings; a venue whose ids are
integers converts with `int()` inside its own module.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Literal

_ALPHABET = string.ascii_lowercase + string.digits
_HEX = "0123456789abcdef"
HEX_TAG_DIGITS = 8  # the run tag of a hex id: 32 random bits


@dataclass(frozen=True)
class ClientIdPolicy:
    """What the venue accepts: an integer range, strings up to a length from an alphabet, or a
    fixed-width lower-case hex number behind a prefix (Hyperliquid's 128-bit `0x` + 32 hex cloid)."""

    kind: Literal["int", "str", "hex"]
    min_value: int = 0
    max_value: int = 2**32 - 1
    max_length: int = 36
    alphabet: str = _ALPHABET + "-_"
    counter_space: int = 2**20  # orders one run can make before its ids would leave the run's tag
    prefix: str = ""  # "hex": the text before the digits ("0x")
    hex_digits: int = 32  # "hex": exactly this many lower-case hex digits

    @classmethod
    def int_range(cls, min_value: int, max_value: int, counter_space: int = 2**20) -> ClientIdPolicy:
        return cls("int", min_value=min_value, max_value=max_value, counter_space=counter_space)

    @classmethod
    def string(cls, max_length: int, alphabet: str = _ALPHABET + "-_") -> ClientIdPolicy:
        return cls("str", max_length=max_length, alphabet=alphabet)

    @classmethod
    def hex(cls, digits: int, prefix: str = "0x") -> ClientIdPolicy:
        """Exactly `digits` lower-case hex digits after `prefix`: the run tag, then the counter."""
        return cls("hex", max_length=len(prefix) + digits, alphabet=_HEX, prefix=prefix, hex_digits=digits)


class ClientIdGenerator:
    """Unique client ids for one run of one connector."""

    def __init__(self, policy: ClientIdPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self._rng = rng or random.Random()
        self._counter = 0
        if policy.kind == "int":
            span = policy.max_value - policy.min_value + 1
            if span < 1:
                raise ValueError(f"empty client id range {policy.min_value}..{policy.max_value}")
            self._tags = span // policy.counter_space
            self.run_tag = self._rng.randrange(self._tags) if self._tags >= 2 else None
        elif policy.kind == "hex":
            counter_digits = policy.hex_digits - HEX_TAG_DIGITS
            if counter_digits < 6:
                raise ValueError(f"hex client ids of {policy.hex_digits} digits leave no room for a counter")
            self.run_tag = "".join(self._rng.choice(_HEX) for _ in range(HEX_TAG_DIGITS))
            self._prefix = f"{policy.prefix}{self.run_tag}"
            self._counter_digits = counter_digits
        else:
            tag = "".join(self._rng.choice(_ALPHABET) for _ in range(6))
            if not set(tag) <= set(policy.alphabet):
                raise ValueError("client id alphabet must include lowercase letters and digits")
            self.run_tag = tag
            self._prefix = f"x{tag}"
            if len(self._prefix) + 8 > policy.max_length:
                raise ValueError(f"client ids of at most {policy.max_length} chars leave no room for a counter")

    def next(self) -> str:
        self._counter += 1
        policy = self.policy
        if policy.kind == "str":
            return f"{self._prefix}{self._counter:08d}"
        if policy.kind == "hex":
            if self._counter >= 16**self._counter_digits:
                raise RuntimeError(f"this run used all {16**self._counter_digits} client ids of its tag")
            return f"{self._prefix}{self._counter:0{self._counter_digits}x}"
        if self.run_tag is None:
            value = policy.min_value + self._counter
        else:
            if self._counter >= policy.counter_space:
                raise RuntimeError(f"this run used all {policy.counter_space} client ids of its tag")
            value = policy.min_value + self.run_tag * policy.counter_space + self._counter
        if value > policy.max_value:
            raise RuntimeError(f"client id {value} is beyond the venue's maximum {policy.max_value}")
        return str(value)

    @property
    def scoped(self) -> bool:
        """True when ids carry a run tag, so `owns` can tell this run's orders from others."""
        return self.run_tag is not None

    def owns(self, client_id: str | int | None) -> bool:
        """Did this run make `client_id`? Without a run tag, every id counts as ours only if we
        issued it in this process's counter range — which cannot be told, so the answer is False."""
        if client_id is None or self.run_tag is None:
            return False
        text = str(client_id)
        if self.policy.kind == "str":
            return text.startswith(self._prefix)
        if self.policy.kind == "hex":  # the venue may echo hex in any case; it parses it as bytes
            return len(text) == self.policy.max_length and text.lower().startswith(self._prefix)
        if not (text.isascii() and text.isdigit()):
            return False
        offset = int(text) - self.policy.min_value
        return 0 <= offset and offset // self.policy.counter_space == self.run_tag
