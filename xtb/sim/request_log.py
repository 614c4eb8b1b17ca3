"""What a simulator saw of each request: the bounded log a user reads through the control API
(`GET /_sim/requests`), and the record a front-end fills while a request is in flight.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from xtb.sim.engine_types import AccountId
from xtb.sim.faults import RestFault


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it. `auth` is "public", "ok" or "denied"; `status` is what
    the handler answered (also when `dropped`: the client never received it); `latency` in seconds."""

    ts: float
    site: str
    method: str
    path: str
    auth: str
    account: AccountId | None
    status: int | None
    latency: float
    fault: str | None = None
    dropped: bool = False
    detail: str = ""


class RequestLog:
    """The newest `size` requests, oldest first: enough to see what a client sent, bounded for a
    long-running local testnet."""

    def __init__(self, size: int = 1000) -> None:
        if type(size) is not int or size < 1:
            raise ValueError(f"request log size must be a positive int, got {size!r}")
        self._records: deque[RequestRecord] = deque(maxlen=size)

    def append(self, record: RequestRecord) -> None:
        self._records.append(record)

    def records(self, limit: int | None = None) -> list[RequestRecord]:
        """All kept records, or the newest `limit` of them."""
        records = list(self._records)
        return records if limit is None else records[max(0, len(records) - limit) :]

    def clear(self) -> None:
        self._records.clear()

    def __len__(self) -> int:
        return len(self._records)


@dataclass
class RequestInFlight:
    """What a front-end learns about a request while it runs (who it authenticated as, which fault
    it took), shared by the fault middleware and the route wrapper and logged once when it ends."""

    site: str
    method: str
    path: str
    started: float
    auth: str = "public"
    account: AccountId | None = None
    detail: str = ""
    fault: RestFault | None = None
    logged: bool = False

    def finish(self, status: int | None, *, ts: float, now: float, dropped: bool = False) -> RequestRecord | None:
        """The record of this request at `now` (loop time; `ts` is the clock's), or None when it
        was recorded already: a request is logged once, where its answer was decided."""
        if self.logged:
            return None
        self.logged = True
        fault = None if self.fault is None else self.fault.action.value
        return RequestRecord(
            ts=ts,
            site=self.site,
            method=self.method,
            path=self.path,
            auth=self.auth,
            account=self.account,
            status=status,
            latency=now - self.started,
            fault=fault,
            dropped=dropped,
            detail=self.detail,
        )
