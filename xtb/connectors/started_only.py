"""`StartedOnly`: a connector part that exists only while the connector runs (its REST client, its
session, its signer), and says so when read too early or too late.

Why: each venue kept a property per part that raised "connector is not started" when the part was
None; one descriptor says it once, with the venue's name in the error.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from xtb.errors import ConnectionLost

T = TypeVar("T")


class StartedOnly(Generic[T]):
    """Class attribute `rest = StartedOnly[BackpackRest]()`; assign it in `_on_start`; reading it
    before that raises ConnectionLost("connector is not started")."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_started_{name}"

    @overload
    def __get__(self, obj: None, owner: type) -> StartedOnly[T]: ...
    @overload
    def __get__(self, obj: Any, owner: type) -> T: ...

    def __get__(self, obj: Any, owner: type) -> T | StartedOnly[T]:
        if obj is None:
            return self
        value = obj.__dict__.get(self._slot)
        if value is None:
            raise ConnectionLost("connector is not started", venue=getattr(obj, "venue", ""))
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: T | None) -> None:
        obj.__dict__[self._slot] = value

    def ready(self, obj: Any) -> bool:
        """Has the part been set (without raising)?"""
        return obj.__dict__.get(self._slot) is not None
