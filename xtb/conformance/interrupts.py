"""Stopping a conformance run without leaving anything behind: SIGINT, SIGTERM and scenario timeouts.

A scenario in flight owns orders and maybe a position on a venue. Stopping it must not skip its
cleanup, and the report must not call what was cut short a pass. So:

- A stop request (Ctrl-C, SIGTERM, or the scenario's timeout) during a scenario's setup or body
  cancels that work the way asyncio itself does on Ctrl-C (the running task gets CancelledError, so
  a chase cancels its live order), and the scenario is reported INTERRUPTED or TIMED_OUT.
- During a scenario's cleanup (the janitor), and between scenarios, a stop request is only noted:
  the janitor finishes, then the run stops at the next scenario boundary. A third Ctrl-C abandons
  the cleanup (the escape hatch; it says so).
- SIGINT/SIGTERM stop the run after the scenario in flight; a timeout fails only that scenario.

During setup and body the SIGINT handler is Python's default, so `asyncio.Runner.run` (which
pytest-asyncio uses) installs its own task-cancelling handler; elsewhere it is ours; SIGTERM and the timer reach that
handler through `_deliver`. The hook wrappers in the plugin turn the resulting KeyboardInterrupt
into `ScenarioStopped`, an ordinary exception, so pytest runs the teardown next and reports the
scenario by name.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from xtb.report.model import Outcome

#: After a timeout, how long the scenario's cancellation and cleanup may take before it is abandoned
#: (the janitor's own steps are bounded by the venue's tracking timeout; this is the backstop).
CLEANUP_GRACE_S = 60.0
STOPPED = frozenset({Outcome.INTERRUPTED, Outcome.TIMED_OUT})  # cut short by a signal or the timeout


class ScenarioStopped(Exception):
    """The scenario was cut short (its cleanup still runs); the report says by what."""

    def __init__(self, kind: Outcome, why: str) -> None:  # INTERRUPTED or TIMED_OUT
        super().__init__(why)
        self.kind = kind
        self.why = why


class CleanupAbandoned(Exception):
    """The cleanup itself overran its grace period after a timeout."""


Say = Callable[[str], None]


class Interrupts:
    """One run's stop requests. `phase` is set by the plugin around each scenario's protocol."""

    def __init__(self, say: Say, request_stop: Callable[[str], None]) -> None:
        self._say = say
        self._request_stop = request_stop
        self.signal_name = ""  # the first SIGINT/SIGTERM, for the report
        self.phase = "idle"  # idle | setup | call | teardown
        self.scenario = ""  # the scenario in flight, for messages
        self.pending: ScenarioStopped | None = None  # a stop aimed at the scenario in flight
        self._presses = 0
        self._previous: dict[int, Any] = {}
        self._timer_armed = False

    # ------------------------------------------------------------------ install / uninstall

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach only the main thread; a worker thread run keeps pytest's defaults
        self._previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, self._on_sigterm)
        self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._on_sigint_outside)

    def uninstall(self) -> None:
        self.cancel_timer()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    # ------------------------------------------------------------------ phases

    def enter(self, phase: str, scenario: str) -> None:
        self.phase, self.scenario = phase, scenario
        if phase in ("setup", "call") and signal.SIGINT in self._previous:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # asyncio's Runner takes it from here

    def leave(self) -> None:
        if signal.SIGINT in self._previous:
            signal.signal(signal.SIGINT, self._on_sigint_outside)
        self.phase = "idle"

    def say(self, text: str) -> None:
        self._say(text)

    @property
    def stopping(self) -> bool:
        return bool(self.signal_name)

    # ------------------------------------------------------------------ requests

    def _stop_run(self, name: str) -> None:
        if not self.signal_name:
            self.signal_name = name
            self._request_stop(f"interrupted by {name}")

    def _aim(self, kind: Outcome, why: str) -> None:
        if self.phase in ("setup", "call") and self.pending is None:
            self.pending = ScenarioStopped(kind, why)

    def on_keyboard_interrupt(self) -> ScenarioStopped:
        """A KeyboardInterrupt reached the scenario: what it stands for (a bare Ctrl-C, or one we
        delivered for SIGTERM or the timer)."""
        if self.pending is None:
            self._stop_run("SIGINT")
            self.pending = ScenarioStopped(Outcome.INTERRUPTED, "interrupted by SIGINT")
        return self.pending

    def take_pending(self) -> ScenarioStopped | None:
        pending, self.pending = self.pending, None
        return pending

    # ------------------------------------------------------------------ signal handlers

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        self._stop_run("SIGTERM")
        self._aim(Outcome.INTERRUPTED, "interrupted by SIGTERM")
        self._deliver(frame)

    def _on_sigint_outside(self, signum: int, frame: FrameType | None) -> None:
        """Ctrl-C in a cleanup or between scenarios: note it; the run stops at the next boundary."""
        self._presses += 1
        self._stop_run("SIGINT")
        if self._presses >= 3:
            self._say("xtb: cleanup abandoned at your request; the venue may hold orders or a position")
            raise KeyboardInterrupt
        if self.phase == "teardown":
            self._say(
                f"xtb: SIGINT — finishing the cleanup of {self.scenario} (cancel its orders, flatten), then stopping"
                + ("; press Ctrl-C again to abandon the cleanup" if self._presses == 2 else "")
            )

    def _deliver(self, frame: FrameType | None) -> None:
        """Reach the scenario in flight the way Ctrl-C would: through the active SIGINT handler
        (asyncio's task-cancelling one while a coroutine runs, Python's default otherwise)."""
        handler = signal.getsignal(signal.SIGINT)
        if self.phase not in ("setup", "call"):
            if self.phase == "teardown":
                self._say(f"xtb: {self.signal_name} — finishing the cleanup of {self.scenario}, then stopping")
            return  # between scenarios pytest's stop flag ends the run; in cleanup we let it finish
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    # ------------------------------------------------------------------ per-scenario timeout

    def arm_timer(self, seconds: float) -> bool:
        if threading.current_thread() is not threading.main_thread():
            return False
        signal.signal(signal.SIGALRM, self._on_timer)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        self._timer_armed, self._timeout = True, seconds
        return True

    def cancel_timer(self) -> None:
        if self._timer_armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            self._timer_armed = False

    def _on_timer(self, signum: int, frame: FrameType | None) -> None:
        if self.phase in ("setup", "call") and self.pending is None:
            self._aim(Outcome.TIMED_OUT, f"timed out after {self._timeout:g}s")
            signal.setitimer(signal.ITIMER_REAL, CLEANUP_GRACE_S)  # the backstop for the cleanup
            self._deliver(frame)
            return
        if self.phase == "teardown" and self.pending is None:
            self.pending = ScenarioStopped(Outcome.TIMED_OUT, f"timed out after {self._timeout:g}s (in cleanup)")
            signal.setitimer(signal.ITIMER_REAL, CLEANUP_GRACE_S)
            return
        raise CleanupAbandoned(
            f"{self.scenario}: cleanup still running {CLEANUP_GRACE_S:g}s after the timeout; abandoned"
        )
