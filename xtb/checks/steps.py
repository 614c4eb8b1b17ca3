"""The steps of the conformance scenarios, shared with the smoke-test strategy (one implementation,
two drivers). Each step checks what it did with the shared invariant helpers and raises
AssertionError (or an xtb error) naming what is wrong; none is written for one venue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xtb.change_signal import wait_any
from xtb.checks.record import ScenarioRecord
from xtb.clock import loop_time
from xtb.config.venue_file import VenueConfig, as_secret
from xtb.connectors.config import ConnectorConfig
from xtb.connectors.deadline import VenueDeadline
from xtb.errors import ConfigError, FlattenError, OrderNotFound, WaitTimeout
from xtb.execution.flatten import ExposureReport, FlattenResult, cancel_open_orders, flatten, verify_flat
from xtb.execution.handles import AttemptOutcome, TrackingLimitOrder
from xtb.execution.tracking_limit import start_tracking_limit_order
from xtb.model import Liquidity, MarketInfo, OrderSnapshot, OrderState, Side, Source, TopOfBook
from xtb.orders.tracker import STALE_KINDS, AnomalyKind, OrderTracker
from xtb.sim.control_client import SimControlClient

if TYPE_CHECKING:
    from xtb.connectors.base import BaseConnector

log = logging.getLogger(__name__)

#: How often a step re-reads REST while it waits for the venue to agree (no signal exists for a REST
#: change). Four reads a second stays well inside every venue's budget (Aster: positionRisk weighs 5).
REST_POLL_S = 0.25


@dataclass
class VenueUnderTest:
    """What a scenario gets: a started connector, the venue's settings and the run's record.
    `control` is the simulator's control client, or None on a real venue."""

    config: VenueConfig
    connector: BaseConnector
    record: ScenarioRecord
    control: SimControlClient | None = None  # on a built-in simulator: its control API

    @property
    def name(self) -> str:
        return self.config.venue

    @property
    def symbol(self) -> str:
        return self.config.symbol

    @property
    def on_simulator(self) -> bool:
        return self.config.on_simulator


def simulator_connector_config(
    config: VenueConfig, described: Mapping[str, Any], *, debug: bool = False
) -> ConnectorConfig:
    """Connector settings for a running built-in simulator (`SimHandle.describe()`): every URL it
    describes (a venue with several hosts names each, as its file does) and its test account's
    credentials under the names the venue file gives them."""
    account = described["account"]
    missing = [name for name in [*config.credentials, *config.identifiers] if name not in account]
    if missing:
        raise ConfigError(f"{config.source}: the {config.simulator} simulator's account has no {missing}")
    secrets = {
        name: as_secret(str(account[name]), name, f"{config.source}: credentials.{name}") for name in config.credentials
    }
    identifiers = {name: str(account[name]) for name in config.identifiers}
    hosts = {k: v for k, v in described.items() if k not in ("venue", "account", "control")}
    return config.connector_config(hosts=hosts, secrets=secrets, identifiers=identifiers, debug=debug)


# ---------------------------------------------------------------- sizing and market data


async def order_size(venue: VenueUnderTest, book: TopOfBook | None = None, size: Decimal | None = None) -> Decimal:
    """The venue's minimum order at the touch, times the file's multiple (or `size`, when the caller
    fixes one: the runner's smoke test); checked against the venue's rules and the cap."""
    market = await venue.connector.get_market_info(venue.symbol)
    book = book or await venue.connector.top_of_book(venue.symbol)
    price = book.ask or book.bid
    if price is None:
        raise AssertionError(f"{venue.name} {venue.symbol}: the book is empty; cannot size an order")
    if size is None:
        size = market.round_size(market.min_order_size(price) * venue.config.order_size.min_size_multiple)
        size = max(size, market.min_order_size(price))
    else:
        problem = market.order_problem(size, price)
        if problem is not None:
            raise ConfigError(f"{venue.name} {venue.symbol}: order size {size} at {price}: {problem}")
    cap = venue.config.order_size.max_notional
    if cap is not None and size * price > cap:
        raise ConfigError(
            f"{venue.config.source}: the order size ({size} at {price} = {size * price}) exceeds "
            f"order_size.max_notional {cap}"
        )
    return size


async def wait_for_book(connector: BaseConnector, symbol: str, timeout: float) -> TopOfBook:
    """The first stream book (live data) before any order is sent."""
    deadline = loop_time() + timeout
    while symbol not in connector.books_ws:
        seen = connector.book_version(symbol)
        if not await connector.wait_book_change(symbol, seen, max(0.0, deadline - loop_time())):
            raise AssertionError(f"{connector.venue}: no stream book for {symbol} within {timeout}s")
    return connector.books_ws[symbol]


def check_market_info(market: MarketInfo) -> None:
    problems = []
    if market.tick_size <= 0 or market.step_size <= 0:
        problems.append("tick and step must be positive")
    if market.min_size < 0 or market.min_notional < 0:
        problems.append("minimums must not be negative")
    if market.min_size and market.min_size % market.step_size != 0:
        problems.append(f"min size {market.min_size} is not a multiple of step {market.step_size}")
    if problems:
        raise AssertionError(f"{market.symbol}: market info is not sane: {'; '.join(problems)} ({market})")


def check_books_agree(rest: TopOfBook, ws: TopOfBook, market: MarketInfo, max_ticks: int = 0) -> None:
    """REST and WS top of book agree (to `max_ticks` ticks) and neither is crossed."""
    for book in (rest, ws):
        if book.bid is None or book.ask is None:
            raise AssertionError(f"{book.source.value} top of book has an empty side: {book}")
        if book.is_crossed:
            raise AssertionError(f"{book.source.value} top of book is crossed: bid {book.bid} >= ask {book.ask}")
    assert rest.bid is not None and ws.bid is not None and rest.ask is not None and ws.ask is not None
    tolerance = market.tick_at(rest.bid) * max_ticks
    if abs(rest.bid - ws.bid) > tolerance or abs(rest.ask - ws.ask) > tolerance:
        raise AssertionError(
            f"REST and WS top of book disagree: REST {rest.bid}/{rest.ask} vs WS {ws.bid}/{ws.ask} "
            f"(tolerance {max_ticks} ticks)"
        )


async def books_agree(venue: VenueUnderTest, market: MarketInfo) -> None:
    """REST and WS top of book agree, retried within the settle time (the market may move between
    the two reads)."""
    deadline = VenueDeadline(venue.connector, venue.config.tracking.settle_time)
    while True:
        rest = await venue.connector.get_top_of_book(venue.symbol, Source.REST)
        ws = await venue.connector.get_top_of_book(venue.symbol, Source.WS)
        try:
            check_books_agree(rest, ws, market)
            return
        except AssertionError:
            if deadline.expired:
                raise
        signal = venue.connector.book_changed_signal(venue.symbol)
        await wait_any([(signal, signal.version)], REST_POLL_S)  # re-reads REST: paced, see REST_POLL_S


# ---------------------------------------------------------------- orders


def check_order_invariants(tracker: OrderTracker, *, allow: frozenset[AnomalyKind] = STALE_KINDS) -> None:
    """The state machine's rules held for this order: no refused update that contradicts the order's
    state (stale ones, from a lagging source, are recorded but allowed), filled within size, fills
    adding up to the filled quantity once terminal."""
    anomalies = [a for a in tracker.anomalies if a.kind not in allow]
    if anomalies:
        listed = "; ".join(f"{a.kind.value} from {a.source.value}: {a.detail}" for a in anomalies)
        raise AssertionError(f"order {tracker.client_id}: refused updates: {listed}")
    if tracker.filled > tracker.size:
        raise AssertionError(f"order {tracker.client_id}: filled {tracker.filled} > size {tracker.size}")
    if tracker.is_terminal and tracker.fills and not tracker.fills_consistent:
        raise AssertionError(
            f"order {tracker.client_id}: fills add up to {tracker.fills_total}, filled is {tracker.filled}"
        )


async def check_fills_complete(venue: VenueUnderTest, tracker: OrderTracker) -> None:
    """Every execution of the order is recorded, once: its fills add up to what it filled, with
    distinct trade ids. A fill whose stream message was lost must come back (the connector reads
    the order's fills over REST on the gap), within the settle time."""
    try:
        await tracker.wait_for(lambda t: t.fills_total == t.filled, venue.config.tracking.settle_time)
    except WaitTimeout:
        raise AssertionError(
            f"order {tracker.client_id}: its fills add up to {tracker.fills_total} ({len(tracker.fills)} recorded), "
            f"filled is {tracker.filled}: an execution was lost and never recovered"
        ) from None
    check_order_invariants(tracker)


async def check_order_settled(venue: VenueUnderTest, tracker: OrderTracker) -> None:
    """`check_order_invariants` for an order that may have just ended: a filled order's fill
    messages may trail its final status (Hyperliquid sends them on another channel than the
    status), so its fills must add up within the settle time, not at once."""
    if tracker.is_terminal and tracker.filled:
        await check_fills_complete(venue, tracker)  # waits for the fills, then checks the invariants
    else:
        check_order_invariants(tracker)


def _agree(rest: OrderSnapshot, ws: OrderSnapshot) -> str | None:
    if rest.state is not ws.state:
        return f"state REST {rest.state.value} vs WS {ws.state.value}"
    if rest.filled != ws.filled:
        return f"filled REST {rest.filled} vs WS {ws.filled}"
    if rest.avg_fill_price is not None and ws.avg_fill_price is not None and rest.avg_fill_price != ws.avg_fill_price:
        return f"average price REST {rest.avg_fill_price} vs WS {ws.avg_fill_price}"
    return None


async def cross_check(venue: VenueUnderTest, tracker: OrderTracker, checkpoint: str) -> OrderSnapshot:
    """The REST view and the WS view of the order agree on status, filled size and average price,
    within the venue's settle time. Re-reads REST until they agree or time runs out."""
    deadline = VenueDeadline(venue.connector, venue.config.tracking.settle_time)
    problem = "no WS update for the order"
    while True:
        try:
            rest = await venue.connector.refresh_order(tracker)
        except OrderNotFound as exc:
            raise AssertionError(
                f"{checkpoint}: venue does not know order {tracker.client_id} over REST: {exc}"
            ) from exc
        ws = tracker.views.get(Source.WS)
        if ws is not None:
            problem = _agree(rest, ws) or ""
            if not problem:
                await check_order_settled(venue, tracker)
                return rest
        remaining = deadline.remaining()
        if remaining <= 0:
            raise AssertionError(f"{checkpoint}: order {tracker.client_id}: REST and WS disagree: {problem}")
        seen = tracker.changed.version  # woken by the stream; otherwise paced (it re-reads REST)
        await wait_any([(tracker.changed, seen)], min(remaining, REST_POLL_S))


async def enter_at_touch(
    venue: VenueUnderTest, side: Side, size: Decimal | None = None, *, move_touch: bool = False
) -> TrackingLimitOrder:
    """Tracking-limit entry at the touch until filled. Records attempts and step latencies; checks
    that it filled exactly the size, as maker only, with every attempt's order rules intact.

    `move_touch` (simulator only): the market holds still while the first attempt rests at the
    touch, then the touch moves away one tick, and the market runs again once the chase has
    re-posted. The first attempt must end REPRICED and the next one rest at the new touch."""
    size = size if size is not None else await order_size(venue)
    if move_touch:
        await hold_market(venue)
    order = start_tracking_limit_order(venue.connector, venue.symbol, side, size, venue.config.tracking)
    moved_to: list[Decimal | None] = []  # the touch after the move, as the simulator has it
    mover = asyncio.create_task(_move_touch_once(venue, order, side, moved_to)) if move_touch else None
    try:
        await order.wait_final()
        if mover is not None:
            await mover
    except asyncio.CancelledError:
        await order.cancel()  # stop the chase too: its live attempt is cancelled and confirmed
        raise
    finally:
        if mover is not None and not mover.done():
            mover.cancel()
            await asyncio.gather(mover, return_exceptions=True)
        venue.record.add_tracking_order(order)
    if order.filled != size:
        raise AssertionError(f"tracking limit filled {order.filled} of {size}")
    for attempt in order.attempts:
        await check_order_settled(venue, attempt.tracker)
        takers = [f.trade_id for f in attempt.tracker.fills.values() if f.liquidity is Liquidity.TAKER]
        if takers:
            raise AssertionError(f"post-only attempt {attempt.client_id} took liquidity (trades {takers})")
    if move_touch:
        _check_followed_touch(order, moved_to)
    return order


async def _move_touch_once(
    venue: VenueUnderTest, order: TrackingLimitOrder, side: Side, moved_to: list[Decimal | None]
) -> None:
    """Once the first attempt rests, move the (held) touch one tick away from it and note where the
    touch is then; once a later attempt rests, let the market run (its taker fills the touch)."""
    control = sim_control(venue)
    async for update in order.updates():
        if update.entry.state is not OrderState.OPEN:
            continue
        if update.attempt == 0 and not moved_to:
            await control.move_touch(venue.symbol, side.sign)  # a buy's touch rises away from it
            bid, ask = await sim_top(venue)
            moved_to.append(bid if side is Side.BUY else ask)
        elif update.attempt > 0:
            await control.unfreeze(venue.symbol)
            return


def _check_followed_touch(order: TrackingLimitOrder, moved_to: list[Decimal | None]) -> None:
    first = order.attempts[0]
    if not moved_to:
        raise AssertionError(f"attempt {first.client_id} never rested at the touch ({first.outcome})")
    if len(order.attempts) < 2 or first.outcome is not AttemptOutcome.REPRICED:
        raise AssertionError(
            f"the touch moved away from attempt {first.client_id} at {first.price}; the chase did not re-price "
            f"it (outcome {first.outcome.value if first.outcome else None}, {len(order.attempts)} attempt(s))"
        )
    if order.attempts[1].price != moved_to[0]:
        raise AssertionError(f"the chase re-posted at {order.attempts[1].price}; the touch had moved to {moved_to[0]}")


async def sim_top(venue: VenueUnderTest) -> tuple[Decimal | None, Decimal | None]:
    """Simulator only: its own best bid and ask (the engine's book, not a stream or REST view)."""
    book = await sim_control(venue).book(venue.symbol)
    bids, asks = book.get("bids") or [], book.get("asks") or []
    return (
        Decimal(str(bids[0]["price"])) if bids else None,
        Decimal(str(asks[0]["price"])) if asks else None,
    )


async def hold_market(venue: VenueUnderTest) -> None:
    """Simulator only: freeze the market under test, its ladder whole, and wait until the
    connector's stream shows the simulator's best bid and ask (a message in flight has arrived)."""
    control = sim_control(venue)
    await control.freeze(venue.symbol)
    # a full ladder: a level the taker took part of (or all of) just before the freeze is quoted again
    await control.move_touch(venue.symbol, 0)
    deadline = loop_time() + venue.config.tracking.settle_time
    signal = venue.connector.book_changed_signal(venue.symbol)
    while True:
        seen = signal.version
        truth = await sim_top(venue)
        shown = venue.connector.books_ws.get(venue.symbol)
        if shown is not None and (shown.bid, shown.ask) == truth:
            return
        if loop_time() >= deadline:
            raise AssertionError(f"{venue.name}: the stream's top {shown} is not the simulator's {truth}")
        await wait_any([(signal, seen)], 0.05)  # woken by the stream; the simulator's side has no signal here


async def submit_passive(venue: VenueUnderTest, side: Side, size: Decimal, ticks_away: int) -> OrderTracker:
    """A post-only limit `ticks_away` ticks behind the touch, where it rests without filling."""
    market = await venue.connector.get_market_info(venue.symbol)
    book = await venue.connector.top_of_book(venue.symbol)
    touch = book.touch(side)
    if touch is None:
        raise AssertionError(f"{venue.symbol}: no {side.value} side in the book")
    price = market.passive_price(touch - side.sign * ticks_away * market.tick_at(touch), side)
    tracker = await venue.connector.submit_limit_order(venue.symbol, side, size, price, post_only=True)
    venue.record.track(tracker)
    await wait_state(tracker, {OrderState.OPEN}, venue.config.tracking.settle_time)
    return tracker


async def rest_alone_at_best_bid(venue: VenueUnderTest, size: Decimal) -> OrderTracker:
    """Simulator only: freeze the market and rest a limit bid one tick above the best bid, alone at
    the touch, so the simulator's scripted taker flow fills exactly this order."""
    control = venue.control
    if control is None:
        raise AssertionError("rest_alone_at_best_bid needs the simulator's control API")
    await control.freeze(venue.symbol)  # type: ignore[attr-defined]
    market = await venue.connector.get_market_info(venue.symbol)
    bid, ask = await sim_top(venue)  # the simulator's own book: no venue request spent on a setup step
    if bid is None or ask is None or ask - bid < 2 * market.tick_at(bid):
        raise AssertionError(f"the simulator's spread ({bid}/{ask}) leaves no room to bid alone inside it")
    tracker = await venue.connector.submit_limit_order(venue.symbol, Side.BUY, size, bid + market.tick_at(bid))
    venue.record.track(tracker)
    await cross_check(venue, tracker, "resting")
    return tracker


async def partly_filled_bid(venue: VenueUnderTest, multiple: int = 2) -> tuple[OrderTracker, Decimal]:
    """Simulator only: a limit bid of `multiple` × the usual size rests alone at the best price and
    the simulator's taker takes half of it; returns the order (PARTIALLY_FILLED, its fill recorded)
    and its size."""
    control = sim_control(venue)
    market = await venue.connector.get_market_info(venue.symbol)
    size = market.round_size((await order_size(venue)) * multiple)
    tracker = await rest_alone_at_best_bid(venue, size)
    await control.take(venue.symbol, "buy", "0.5")
    await wait_state(tracker, {OrderState.PARTIALLY_FILLED}, venue.config.tracking.settle_time)
    partial = tracker.filled
    if not 0 < partial < size:
        raise AssertionError(f"expected a partial fill of {size}, filled {partial}")
    await check_fills_complete(venue, tracker)
    return tracker, size


async def wait_position(venue: VenueUnderTest, expected: Decimal, source: Source = Source.REST) -> Decimal:
    """Wait (within settle time) until the position on `source` equals `expected`."""
    deadline = VenueDeadline(venue.connector, venue.config.tracking.settle_time)
    while True:
        if source is Source.REST:
            size = (await venue.connector.get_position(venue.symbol)).size
        else:
            pos = venue.connector.positions_ws.get(venue.symbol)
            size = pos.size if pos is not None else Decimal(0)
        if size == expected:
            return size
        if deadline.expired:
            raise AssertionError(
                f"{venue.name} {venue.symbol}: {source.value} position is {size}, expected {expected} "
                f"after {venue.config.tracking.settle_time}s"
            )
        # Woken by the next stream position update (REST usually moves with it); REST has no signal
        # of its own, so the timeout paces the polling within the venue's request budget.
        signal = venue.connector.positions_changed
        await wait_any([(signal, signal.version)], 0.1 if source is Source.WS else REST_POLL_S)


async def flatten_position(venue: VenueUnderTest) -> FlattenResult:
    """Reduce-only market close of the symbol's position; flat on REST and on WS."""
    result = await flatten(venue.connector, venue.symbol, timeout=venue.config.tracking.timeout)
    for tracker in result.close_orders:
        venue.record.track(tracker)
        await check_order_settled(venue, tracker)
        if not tracker.request.reduce_only:
            raise AssertionError(f"close order {tracker.client_id} was not reduce-only")
    if not result.position_after.is_flat:  # flatten's last REST read proves flat when it is: no read again
        await wait_position(venue, Decimal(0), Source.REST)
    await wait_position(venue, Decimal(0), Source.WS)
    return result


async def check_zero_exposure(venue: VenueUnderTest) -> ExposureReport:
    """No open orders on the symbol (this run's), zero position — on REST and on WS."""
    deadline = VenueDeadline(venue.connector, venue.config.tracking.settle_time)
    while True:
        try:
            return await verify_flat(venue.connector, venue.symbol)
        except FlattenError:
            if deadline.expired:
                raise
        signal = venue.connector.positions_changed
        await wait_any([(signal, signal.version)], REST_POLL_S)  # re-reads REST: paced, see REST_POLL_S


async def janitor(venue: VenueUnderTest) -> None:
    """Cancel this run's orders on the symbol, flatten, and prove it. Fails loudly with the residue.
    What the venue lists decides: an order resting there that the connector holds finished is
    cancelled all the same, and the janitor then fails naming the disagreement.

    It asks the venue first and cleans up only when that shows something. On a simulator it asks
    the simulator's own truth (its control API, outside the venue's request budget): nothing of the
    account on the symbol there, and a flat stream position, is proof without a REST read. Elsewhere
    it reads open orders and the position over REST: two reads, not five, which matters on a venue
    whose budget allows a few reads a second (Lighter)."""
    connector = venue.connector
    disagreed = len(connector.disagreements)
    for tracker in connector.orders.live(venue.symbol):  # this connector's own: no read needed
        try:
            await connector.cancel_order(tracker)
        except OrderNotFound:
            pass
    flat = await _simulator_shows_flat(venue)
    if flat:
        return
    if flat is None:  # a real venue: ask it
        try:
            await verify_flat(connector, venue.symbol)
            return
        except FlattenError:
            pass  # something to clean up: the full routine below, then prove it
    await cancel_open_orders(connector, venue.symbol)
    await flatten(connector, venue.symbol, timeout=venue.config.tracking.timeout)
    await check_zero_exposure(venue)
    if len(connector.disagreements) > disagreed:  # cleaned up, but the connector was wrong: say so
        raise AssertionError(f"{connector.disagreements[disagreed]}; the janitor cancelled it")


async def _simulator_shows_flat(venue: VenueUnderTest) -> bool | None:
    """On a simulator: True when the engine holds no open order of the account on the symbol
    (whoever placed it) and no position there, the connector tracks nothing live there and its
    stream position is flat; False when anything is there (to clean up). None on a real venue."""
    if venue.control is None:
        return None
    if venue.connector.orders.live(venue.symbol):
        return False
    ws = venue.connector.positions_ws.get(venue.symbol)
    if ws is not None and not ws.is_flat:
        return False
    control = sim_control(venue)
    if control.account is None:
        await sim_account(venue)
    if await control.open_orders(venue.symbol):
        return False
    return all(p["market"] != venue.symbol or Decimal(str(p["size"])) == 0 for p in await control.positions())


async def wait_for_filled(venue: VenueUnderTest, tracker: OrderTracker, filled: Decimal) -> OrderTracker:
    """Wait (within settle time) until the order has filled exactly `filled` — the cumulative size
    of its executions, never one trade's."""
    try:
        return await tracker.wait_for(lambda t: t.filled == filled, venue.config.tracking.settle_time)
    except WaitTimeout:
        raise AssertionError(
            f"order {tracker.client_id} shows filled {tracker.filled}; the venue executed {filled} in total "
            f"({len(tracker.fills)} fills recorded) after {venue.config.tracking.settle_time}s"
        ) from None


async def wait_state(tracker: OrderTracker, states: set[OrderState], timeout: float) -> OrderTracker:
    try:
        return await tracker.wait_for(lambda t: t.state in states, timeout)
    except WaitTimeout:
        refused = [f"{a.detail} from {a.source.value}" for a in tracker.anomalies if a.kind not in STALE_KINDS]
        said = f"; the connector reported, and the order's rules refused: {'; '.join(refused)}" if refused else ""
        raise AssertionError(
            f"order {tracker.client_id} is {tracker.state.value}, expected one of "
            f"{sorted(s.value for s in states)} within {timeout}s{said}"
        ) from None


# ---------------------------------------------------------------- simulator faults


def sim_control(venue: VenueUnderTest) -> SimControlClient:
    if venue.control is None:
        raise AssertionError(f"{venue.name}: this step needs the simulator's control API")
    return venue.control


async def arm_fault(venue: VenueUnderTest, target: str, action: str, **fields: Any) -> int:
    """Arm `action` on the venue file's fault target (`simulator.faults.<target>`; every entry of a
    list target) with the simulator's fault fields (`count`, `status`, `retry_after`, ...).
    Returns how many faults the simulator had applied before: `faults_applied(venue)[since:]` are
    the ones injected from now on (the log keeps the newest 1000; a run injects far fewer)."""
    since = len(await faults_applied(venue))
    spec: dict[str, list[dict[str, Any]]] = {"rest": [], "stream": []}
    for t in venue.config.fault_targets(target):
        spec[t.transport].append({"action": action, **t.spec(), **fields})
    await sim_control(venue).add_faults(spec)
    return since


async def faults_applied(venue: VenueUnderTest) -> list[str]:
    """What the simulator injected so far (e.g. "stream drop <channel> <kind>")."""
    return list((await sim_control(venue).faults())["applied"])


async def sim_account(venue: VenueUnderTest) -> Any:
    """The simulator account the connector trades on (its credentials match the connector's);
    also set as the control client's account, so truth reads are scoped to it."""
    control = sim_control(venue)
    mine = {name: secret.reveal() for name, secret in venue.connector.config.credentials.items()}
    for account in await control.accounts():
        creds = account.get("credentials") or {}
        if mine and all(str(creds.get(name)) == value for name, value in mine.items()):
            control.account = account["account_id"]
            return account["account_id"]
    raise AssertionError(f"{venue.name}: no simulator account has the connector's credentials")


async def sim_exposure(venue: VenueUnderTest) -> tuple[list[Any], list[Any]]:
    """The simulator's truth for the connector's account: open orders on the symbol (orphans) and
    non-zero positions (residue)."""
    await sim_account(venue)
    control = sim_control(venue)
    orders = await control.open_orders(venue.symbol)
    positions = [p for p in await control.positions() if Decimal(str(p["size"])) != 0]
    return orders, positions
