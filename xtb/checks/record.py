"""What one scenario run leaves behind for the report: metrics, attempts, order timelines, book
samples and the REST transcript, with times in seconds from the scenario's start.

The record fills the report's own types (`xtb.report.model`) as the scenario runs, and `as_result`
hands over the row both the suite and `xtb run` put in their document: no dicts in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import TYPE_CHECKING

from xtb.events import Event, EventKind
from xtb.execution import handles
from xtb.execution.handles import AttemptOutcome, TrackingLimitOrder
from xtb.model import OrderState, Source, TopOfBook
from xtb.orders.tracker import OrderTracker
from xtb.report.model import Anomaly, Attempt, BookSample, Exchange, HistoryEntry, Order, Outcome, Result, Step
from xtb.secrets import redact

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

MAX_BOOK_SAMPLES = 2000


@dataclass
class ScenarioRecord:
    venue: str
    scenario: str
    t0: float  # monotonic start, on the connector's clock
    outcome: Outcome = Outcome.SKIPPED  # until the scenario says otherwise
    reason: str = ""
    duration_s: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    orders: list[OrderTracker] = field(default_factory=list)
    book: list[BookSample] = field(default_factory=list)
    transcript: list[Exchange] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # `xtb run`'s smoke test, step by step
    _connector: BaseConnector | None = field(default=None, repr=False)

    def rel(self, at: float | None) -> float | None:
        return None if at is None else round(at - self.t0, 6)

    def attach(self, connector: BaseConnector) -> None:
        """Sample the stream's top of book for the timeline, and remember the connector's orders."""
        self._connector = connector
        connector.bus.subscribe(self._on_book, [EventKind.BOOK], name=f"record:{self.scenario}")

    def _on_book(self, event: Event) -> None:
        top: TopOfBook = event.payload
        if len(self.book) < MAX_BOOK_SAMPLES:
            self.book.append(BookSample(t=round(event.ts - self.t0, 6), bid=top.bid, ask=top.ask))

    def track(self, tracker: OrderTracker) -> None:
        if tracker not in self.orders:
            self.orders.append(tracker)

    def add_tracking_order(self, order: TrackingLimitOrder) -> None:
        """Keep the attempts of a tracking limit order and derive its step latencies."""
        for attempt in order.attempts:
            self.track(attempt.tracker)
            self.attempts.append(self._attempt(attempt))
        self.metrics.update(tracking_metrics(order))

    def _attempt(self, attempt: handles.Attempt) -> Attempt:
        return Attempt(
            client_id=attempt.client_id,
            venue_id=attempt.tracker.venue_id or "",
            price=attempt.price,
            size=attempt.size,
            filled=attempt.filled,
            state=attempt.tracker.state.value,
            outcome=attempt.outcome.value if attempt.outcome else "",
            top_up=attempt.top_up,
            submitted_at=self.rel(attempt.submitted_at),
            acked_at=self.rel(attempt.acked_at),
            cancel_sent_at=self.rel(attempt.cancel_sent_at),
            cancelled_at=self.rel(attempt.cancelled_at),
            filled_at=self.rel(attempt.filled_at),
        )

    def finish(self) -> None:
        """Collect the connector's orders and transcript (call before the connector stops)."""
        if self._connector is None:
            return
        for tracker in self._connector.orders:
            self.track(tracker)
        entries = [entry for entry in self._connector.transcript if entry.at >= self.t0]
        self.transcript = [
            Exchange(
                t=self.rel(entry.at),
                method=entry.method,
                url=entry.url,
                status=entry.status,
                latency_s=round(entry.latency_s, 6),
                error=entry.error,
                weight=entry.weight,
            )
            for entry in entries
        ]
        # what the scenario cost against the venue's request budget (the report shows it per scenario)
        self.metrics["requests"] = float(len(entries))
        self.metrics["request_weight"] = float(sum(entry.weight for entry in entries))

    def as_result(self) -> Result:
        """The scenario's row in the results document, as it stands now."""
        return Result(
            venue=self.venue,
            scenario=self.scenario,
            outcome=self.outcome,
            reason=redact(self.reason),
            duration_s=round(self.duration_s, 3),
            metrics=dict(self.metrics),
            attempts=tuple(self.attempts),
            orders=tuple(self._order(t) for t in self.orders),
            book=tuple(self.book),
            transcript=tuple(self.transcript),
            steps=tuple(self.steps),
        )

    def _order(self, t: OrderTracker) -> Order:
        return Order(
            client_id=t.client_id,
            venue_id=t.venue_id or "",
            side=t.request.side.value,
            size=t.size,
            price=t.request.price,
            order_type=t.request.order_type.value,
            reduce_only=t.request.reduce_only,
            state=t.state.value,
            filled=t.filled,
            history=tuple(
                HistoryEntry(
                    at=self.rel(e.at), source=e.source.value, state=e.state.value, filled=e.filled, note=e.note
                )
                for e in t.history
            ),
            anomalies=tuple(
                Anomaly(kind=a.kind.value, source=a.source.value, at=self.rel(a.at), detail=a.detail)
                for a in t.anomalies
            ),
        )


def tracking_metrics(order: TrackingLimitOrder) -> dict[str, float]:
    """Per-step latencies of a chase: submit→ack (the venue's first word on the order, by REST or
    stream — some venues ack with no order state), ack→first WS update, touch move → re-post
    accepted, and time to fill; medians over attempts where a step repeats."""
    submit_to_ack, ack_to_ws, repost = [], [], []
    for index, attempt in enumerate(order.attempts):
        t = attempt.tracker
        submitted = attempt.submitted_at
        seen = [t.first_seen[s] for s in (Source.REST, Source.WS) if s in t.first_seen]
        ack, ws = (min(seen) if seen else None), t.first_seen.get(Source.WS)
        if submitted is not None and ack is not None:
            submit_to_ack.append(ack - submitted)
        if ack is not None and ws is not None:
            ack_to_ws.append(ws - ack)
        if attempt.outcome is AttemptOutcome.REPRICED and index + 1 < len(order.attempts):
            following = order.attempts[index + 1].acked_at
            if attempt.cancel_sent_at is not None and following is not None:
                repost.append(following - attempt.cancel_sent_at)
    metrics: dict[str, float] = {"attempts": float(len(order.attempts))}
    if submit_to_ack:
        metrics["submit_to_ack_s"] = round(median(submit_to_ack), 6)
    if ack_to_ws:
        metrics["ack_to_first_ws_s"] = round(median(ack_to_ws), 6)
    if repost:
        metrics["touch_move_to_repost_s"] = round(median(repost), 6)
    first = order.attempts[0].submitted_at if order.attempts else None
    filled = [a.filled_at for a in order.attempts if a.tracker.state is OrderState.FILLED and a.filled_at is not None]
    if first is not None and filled:
        metrics["time_to_fill_s"] = round(max(filled) - first, 6)
    return metrics
