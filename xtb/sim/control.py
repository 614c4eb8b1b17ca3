"""The simulator's control surface: what a test (or a person at a local testnet) may do to it.

`SimControl` is the in-process API: reset, create and fund accounts, move or freeze the synthetic
market, change the run's settings (taker flow, on-demand fills, a venue's rate limits), read the
engine's truth, inject and clear faults, read the request log. `SimControl.http_app`
serves the same under `CONTROL_PREFIX` (`/_sim/...`) on the front-end's main site, in JSON with
Decimal as exact strings; its routes come from `xtb.sim.control_spec`, which also describes them
(`GET /_sim` lists them, `GET /_sim/openapi.json` is their OpenAPI document).

Every command checks its whole input before it changes anything, so a refused command (a
`ControlError`, HTTP 400 with `{"error": ...}` naming the problem) leaves the simulator as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import zlib
from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from xtb.model import Side, to_decimal
from xtb.sim import control_docs, inbound
from xtb.sim.control_spec import CONTROL_ROUTES, MARKET_SETTING_FIELDS
from xtb.sim.engine import Engine
from xtb.sim.engine_types import (
    EXPIRY_REASONS,
    AccountId,
    BalanceView,
    BookView,
    FillView,
    OrderView,
    PositionView,
    Reason,
    SimError,
)
from xtb.sim.fault_specs import FaultSpecError, parse_faults
from xtb.sim.faults import RestFault, StreamFault
from xtb.sim.frontend import CONTROL_PREFIX, MAIN_SITE, FrontEnd, jsonable
from xtb.sim.margin_settings import current_margin, prepare_margin
from xtb.sim.market import MarketSettings, SyntheticMarket

log = logging.getLogger(__name__)

__all__ = ["CONTROL_PREFIX", "ControlError", "MarketSet", "SimControl"]


class ControlError(ValueError):
    """A control command that cannot be applied as given; nothing was changed."""


# ------------------------------------------------------------------------------------------ markets

#: The synthetic market's settings a run may change (`PUT /_sim/settings {"market": {...}}`).
MARKET_SETTINGS = tuple(MARKET_SETTING_FIELDS)


class MarketSet:
    """The synthetic markets of one engine, by symbol: built from their settings and run as tasks.
    A reset builds them again from scratch, because the engine forgets their accounts and orders."""

    def __init__(self, engine: Engine, settings: Mapping[str, MarketSettings], *, seed: int = 0) -> None:
        self._engine = engine
        self._settings = dict(settings)
        self._seed = seed
        self._markets: dict[str, SyntheticMarket] = {}
        self._running = False

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._settings)

    @property
    def running(self) -> bool:
        return self._running

    def build(self) -> None:
        """Create each market (it funds its accounts and quotes at once)."""
        self._markets = {
            symbol: SyntheticMarket(self._engine, symbol, settings, seed=self._seed ^ zlib.crc32(symbol.encode()))
            for symbol, settings in self._settings.items()
        }

    def start(self) -> None:
        self._running = True
        for market in self._markets.values():
            market.start()

    async def stop(self) -> None:
        self._running = False
        for market in self._markets.values():
            await market.stop()

    def prepare(self, changes: Mapping[str, Any]) -> Callable[[], None]:
        """Check `changes` to every market's settings (the `MARKET_SETTINGS` fields, as JSON
        values); returns what applies them, to the running markets and to the ones a reset builds."""
        unknown = sorted(set(changes) - set(MARKET_SETTINGS))
        if unknown:
            raise ControlError(f"unknown market setting(s) {unknown}; settings are {sorted(MARKET_SETTINGS)}")
        try:
            wanted = {symbol: dataclasses.replace(s, **changes) for symbol, s in self._settings.items()}
        except (TypeError, ValueError) as exc:
            raise ControlError(f"market settings: {exc}") from None

        def apply() -> None:
            self._settings.update(wanted)
            for symbol, market in self._markets.items():
                market.configure(wanted[symbol])

        return apply

    def settings(self) -> dict[str, dict[str, Any]]:
        """Each market's changeable settings, by symbol."""
        return {symbol: {k: getattr(s, k) for k in MARKET_SETTINGS} for symbol, s in self._settings.items()}

    def get(self, symbol: str) -> SyntheticMarket:
        market = self._markets.get(symbol)
        if market is None:
            raise ControlError(f"no synthetic market {symbol!r}; markets are {sorted(self._markets)}")
        return market

    def state(self) -> list[dict[str, Any]]:
        return [
            {"symbol": m.symbol, "mid": m.mid, "frozen": m.frozen, "running": m.running} for m in self._markets.values()
        ]


# ------------------------------------------------------------------------------------------ control


class SimControl:
    """Commands and truth reads over one simulated venue (engine, front-end, synthetic markets).

    `default_accounts` (account id → collateral) are created by `create_default_accounts` and again
    after every `reset`, with the same credentials, so a client configured once keeps working.
    """

    def __init__(
        self,
        engine: Engine,
        frontend: FrontEnd,
        markets: MarketSet,
        *,
        default_accounts: Mapping[AccountId, Decimal] | None = None,
    ) -> None:
        self.engine = engine
        self.frontend = frontend
        self.markets = markets
        self.default_accounts = dict(default_accounts or {})

    # ---------------------------------------------------------------------- lifecycle

    def create_default_accounts(self) -> dict[AccountId, dict[str, Any]]:
        """Create and fund the default accounts; returns their credentials."""
        return {
            account_id: self.create_account(account_id, collateral)["credentials"]
            for account_id, collateral in self.default_accounts.items()
        }

    async def reset(self) -> dict[AccountId, dict[str, Any]]:
        """Back to the state just after start: the engine forgets every account, order and fill, the
        faults and the request log are cleared, the synthetic markets start over from their
        settings and the default accounts are created again. Open sockets stay connected."""
        running = self.markets.running
        await self.markets.stop()
        self.engine.reset()
        self.frontend.forget_credentials()
        self.frontend.faults.clear()
        self.frontend.faults.applied.clear()
        self.frontend.request_log.clear()
        self.markets.build()
        if running:
            self.markets.start()
        accounts = self.create_default_accounts()
        log.info("sim reset venue=%s", self.frontend.name)
        return accounts

    # ----------------------------------------------------------------------- accounts

    def create_account(self, account_id: Any, collateral: Any = "0") -> dict[str, Any]:
        """A new funded account with the venue's credentials for it."""
        if isinstance(account_id, bool) or not isinstance(account_id, (str, int)) or account_id == "":
            raise ControlError(f"account_id must be a non-empty string or an int, got {account_id!r}")
        amount = _decimal(collateral, "collateral")
        if amount < 0:
            raise ControlError(f"collateral must not be negative, got {amount}")
        if account_id in self.engine.accounts():
            raise ControlError(f"account {account_id!r} already exists")
        balance = self.engine.create_account(account_id, amount)
        credentials = self.frontend.issue_credentials(account_id)
        log.info("sim account created venue=%s account=%s collateral=%s", self.frontend.name, account_id, amount)
        return {"account_id": account_id, "credentials": credentials, "balance": balance}

    def fund(self, account_id: Any, amount: Any) -> BalanceView:
        """Deposit (negative: withdraw, never below zero cash)."""
        account = self.resolve_account(account_id)
        delta = _decimal(amount, "amount")
        try:
            return self.engine.fund(account, delta)
        except ValueError as exc:
            raise ControlError(str(exc)) from exc

    def accounts(self) -> list[dict[str, Any]]:
        return [
            {
                "account_id": account_id,
                "credentials": self.frontend.credentials.get(account_id),
                "balance": self.engine.balance(account_id),
            }
            for account_id in self.engine.accounts()
        ]

    def resolve_account(self, account_id: Any) -> AccountId:
        """The engine's account for an id, also when it came as text from a URL ("7" for 7)."""
        known = self.engine.accounts()
        if isinstance(account_id, (str, int)) and not isinstance(account_id, bool):
            if account_id in known:
                return account_id
            number = inbound.integer(account_id, signed=True) if isinstance(account_id, str) else None
            if number is not None and number in known:
                return number
        raise ControlError(f"unknown account {account_id!r}")

    # ------------------------------------------------------------------------- market

    def set_mid(self, symbol: str, price: Any) -> Decimal:
        market = self.markets.get(symbol)
        _checked(market.set_mid, _decimal(price, "price"))
        return market.mid

    def move_touch(self, symbol: str, ticks: Any) -> Decimal:
        market = self.markets.get(symbol)
        if isinstance(ticks, bool) or not isinstance(ticks, int):
            raise ControlError(f"ticks must be an integer, got {ticks!r}")
        _checked(market.move_touch, ticks)
        return market.mid

    def freeze(self, symbol: str) -> None:
        self.markets.get(symbol).freeze()

    def unfreeze(self, symbol: str) -> None:
        self.markets.get(symbol).unfreeze()

    def take(self, symbol: str, side: Any, fraction: Any = "1") -> Decimal:
        """Hit the resting orders on `side` ("sell" = the asks) for `fraction` of the touch level."""
        market = self.markets.get(symbol)
        return _checked(market.take, _side(side), _decimal(fraction, "fraction"))

    def expire(self, order_id: Any, reason: Any = "self_trade") -> OrderView:
        """End a live order as the venue would on its own (self-trade prevention, risk), keeping
        what it filled: the venue's refusal that arrives after part of the order filled."""
        number = _int(order_id, "order_id")
        known = {r.value: r for r in EXPIRY_REASONS}
        if reason not in known:
            raise ControlError(f"reason must be one of {sorted(known)}, got {reason!r}")
        try:
            return self.engine.expire(number, known[reason])
        except SimError as exc:
            raise ControlError(str(exc)) from exc

    # -------------------------------------------------------------------------- truth

    def open_orders(self, account_id: Any = None, market: str | None = None) -> list[OrderView]:
        """Resting orders of one account, or of every account when None."""
        self._check_market(market)
        accounts = self.engine.accounts() if account_id is None else (self.resolve_account(account_id),)
        return [o for a in accounts for o in self.engine.open_orders(a, market)]

    def order(self, *, order_id: Any = None, account_id: Any = None, client_id: Any = None) -> OrderView:
        """One order, live or closed: by engine id, or by an account's client id."""
        if order_id is not None:
            number = _int(order_id, "order_id")
            view = self.engine.order(number)
            if view is None:
                raise ControlError(f"no order {number}")
            return view
        if client_id is None or account_id is None:
            raise ControlError("give order_id, or account and client_id")
        account = self.resolve_account(account_id)
        view = self.frontend.order_by_client_id(account, client_id)
        if view is None:
            raise ControlError(f"account {account!r} has no order with client id {client_id!r}")
        return view

    def fills(self, account_id: Any = None, market: str | None = None) -> list[FillView]:
        self._check_market(market)
        accounts = self.engine.accounts() if account_id is None else (self.resolve_account(account_id),)
        return [f for a in accounts for f in self.engine.fills(a, market)]

    def positions(self, account_id: Any = None) -> list[PositionView]:
        accounts = self.engine.accounts() if account_id is None else (self.resolve_account(account_id),)
        return [p for a in accounts for p in self.engine.positions(a)]

    def balances(self, account_id: Any = None) -> list[BalanceView]:
        accounts = self.engine.accounts() if account_id is None else (self.resolve_account(account_id),)
        return [self.engine.balance(a) for a in accounts]

    def book(self, symbol: str, depth: Any = 10) -> BookView:
        self._check_market(symbol)
        return self.engine.book(symbol, _int(depth, "depth", minimum=1))

    def truth(self, account_id: Any = None) -> dict[str, Any]:
        """Everything the engine holds for one account (or all): open orders, fills, positions,
        balances, and each market's top of book, as one consistent snapshot."""
        account = None if account_id is None else self.resolve_account(account_id)
        return {
            "orders": self.open_orders(account),
            "fills": self.fills(account),
            "positions": self.positions(account),
            "balances": self.balances(account),
            "markets": [
                {"symbol": spec.symbol, "top": _top(self.engine, spec.symbol)} for spec in self.engine.markets()
            ],
        }

    def _check_market(self, market: str | None) -> None:
        if market is not None and market not in {spec.symbol for spec in self.engine.markets()}:
            raise ControlError(f"unknown market {market!r}; markets are {[s.symbol for s in self.engine.markets()]}")

    # ----------------------------------------------------------------------- settings

    def configure(self, spec: Any) -> dict[str, Any]:
        """Change the simulator's settings for this run: `{"market": {...}}` for every synthetic
        market (`MARKET_SETTINGS`), `{"margin": {SYMBOL: {...}}}` for each market's margin fractions
        (`xtb.sim.margin_settings`), `{"mutations": [...]}` for what every answer and frame is changed
        by (`xtb.sim.answer_mutations`), and the front-end's own (e.g. GRVT's `rate_limit`). Every part
        is checked before any is applied; they hold until changed again (a reset keeps them)."""
        if not isinstance(spec, Mapping):
            raise ControlError('settings must be an object like {"market": {"fill_after": 0.1}}')
        appliers: list[Callable[[], None]] = []
        own = {k: v for k, v in spec.items() if k not in ("market", "margin", "mutations")}
        if "market" in spec:
            if not isinstance(spec["market"], Mapping):
                raise ControlError("settings.market must be an object")
            appliers.append(self.markets.prepare(spec["market"]))
        try:
            if "margin" in spec:
                appliers.append(prepare_margin(self.engine, spec["margin"]))
            if "mutations" in spec:
                appliers.append(self.frontend.mutations.prepare(spec["mutations"]))
            appliers.append(self.frontend.prepare_settings(own))
        except ValueError as exc:
            raise ControlError(f"settings: {exc}") from None
        for apply in appliers:
            apply()
        log.info("sim settings changed venue=%s settings=%s", self.frontend.name, dict(spec))
        return self.settings()

    def settings(self) -> dict[str, Any]:
        return {
            "market": self.markets.settings(),
            "margin": current_margin(self.engine),
            "mutations": self.frontend.mutations.current(),
            **self.frontend.current_settings(),
        }

    # ------------------------------------------------------------------------- faults

    def add_faults(self, spec: Any, *, replace: bool = False) -> list[RestFault | StreamFault]:
        """Add (or, with `replace`, replace the plan with) faults given as JSON data."""
        try:
            faults = parse_faults(spec)
        except FaultSpecError as exc:
            raise ControlError(str(exc)) from None
        if replace:
            self.frontend.faults.clear()
        self.frontend.faults.add(*faults)
        log.info("sim faults set venue=%s faults=%s replace=%s", self.frontend.name, faults, replace)
        return faults

    def clear_faults(self) -> None:
        self.frontend.faults.clear()

    def release_held(self) -> None:
        """Let the requests and stream messages a HOLD fault holds go on now (clearing the faults does too)."""
        self.frontend.faults.release()

    def faults(self) -> dict[str, Any]:
        plan = self.frontend.faults
        return {"rest": list(plan.rest), "stream": list(plan.stream), "applied": list(plan.applied)}

    def request_log(self, limit: Any = None) -> list[Any]:
        return self.frontend.request_log.records(None if limit is None else _int(limit, "limit", minimum=1))

    def streams(self) -> list[dict[str, Any]]:
        return [
            {"id": c.id, "site": c.site, "path": c.path, "account": c.account, "channels": sorted(c.channels)}
            for c in self.frontend.hub.connections
        ]

    # --------------------------------------------------------------------------- HTTP

    def http_app(self) -> web.Application:
        """The control API as an aiohttp sub-application, to mount at `CONTROL_PREFIX`."""
        app = web.Application(middlewares=[_errors])
        for route in CONTROL_ROUTES:
            handler = _json_handler(getattr(self, route.handler))
            for path in (route.path, *route.aliases):
                app.router.add_route(route.method, path, handler)
        return app

    async def _h_index(self, request: web.Request) -> Any:
        return control_docs.index(self.frontend.name, self.frontend.base_url(MAIN_SITE))

    async def _h_openapi(self, request: web.Request) -> Any:
        return control_docs.openapi(
            self.frontend.name, self.frontend.base_url(MAIN_SITE), self.frontend.settings_schema()
        )

    async def _h_reset(self, request: web.Request) -> Any:
        await _body(request, set())
        return {"accounts": await self.reset()}

    async def _h_accounts(self, request: web.Request) -> Any:
        return self.accounts()

    async def _h_create_account(self, request: web.Request) -> Any:
        body = await _body(request, {"account_id", "collateral"})
        if "account_id" not in body:
            raise ControlError("body needs 'account_id'")
        return self.create_account(body["account_id"], body.get("collateral", "0"))

    async def _h_fund(self, request: web.Request) -> Any:
        body = await _body(request, {"amount"})
        if "amount" not in body:
            raise ControlError("body needs 'amount'")
        return self.fund(request.match_info["account"], body["amount"])

    async def _h_markets(self, request: web.Request) -> Any:
        return [{**m, "top": _top(self.engine, m["symbol"])} for m in self.markets.state()]

    async def _h_book(self, request: web.Request) -> Any:
        return self.book(request.match_info["symbol"], _query(request, {"depth"}).get("depth", "10"))

    async def _h_set_mid(self, request: web.Request) -> Any:
        body = await _body(request, {"price"})
        if "price" not in body:
            raise ControlError("body needs 'price'")
        return {"mid": self.set_mid(request.match_info["symbol"], body["price"])}

    async def _h_move(self, request: web.Request) -> Any:
        body = await _body(request, {"ticks"})
        if "ticks" not in body:
            raise ControlError("body needs 'ticks'")
        return {"mid": self.move_touch(request.match_info["symbol"], body["ticks"])}

    async def _h_freeze(self, request: web.Request) -> Any:
        await _body(request, set())
        self.freeze(request.match_info["symbol"])
        return {"frozen": True}

    async def _h_unfreeze(self, request: web.Request) -> Any:
        await _body(request, set())
        self.unfreeze(request.match_info["symbol"])
        return {"frozen": False}

    async def _h_take(self, request: web.Request) -> Any:
        body = await _body(request, {"side", "fraction"})
        if "side" not in body:
            raise ControlError("body needs 'side' (the side of resting orders to hit: 'buy' or 'sell')")
        return {"taken": self.take(request.match_info["symbol"], body["side"], body.get("fraction", "1"))}

    async def _h_orders(self, request: web.Request) -> Any:
        query = _query(request, {"account", "market"})
        return self.open_orders(query.get("account"), query.get("market"))

    async def _h_order(self, request: web.Request) -> Any:
        query = _query(request, {"order_id", "account", "client_id"})
        return self.order(
            order_id=query.get("order_id"), account_id=query.get("account"), client_id=query.get("client_id")
        )

    async def _h_expire(self, request: web.Request) -> Any:
        body = await _body(request, {"reason"})
        return self.expire(request.match_info["order_id"], body.get("reason", Reason.SELF_TRADE.value))

    async def _h_fills(self, request: web.Request) -> Any:
        query = _query(request, {"account", "market"})
        return self.fills(query.get("account"), query.get("market"))

    async def _h_positions(self, request: web.Request) -> Any:
        return self.positions(_query(request, {"account"}).get("account"))

    async def _h_balances(self, request: web.Request) -> Any:
        return self.balances(_query(request, {"account"}).get("account"))

    async def _h_truth(self, request: web.Request) -> Any:
        return self.truth(_query(request, {"account"}).get("account"))

    async def _h_faults(self, request: web.Request) -> Any:
        return self.faults()

    async def _h_add_faults(self, request: web.Request) -> Any:
        self.add_faults(await _body(request, None))
        return self.faults()

    async def _h_replace_faults(self, request: web.Request) -> Any:
        self.add_faults(await _body(request, None), replace=True)
        return self.faults()

    async def _h_clear_faults(self, request: web.Request) -> Any:
        self.clear_faults()
        return self.faults()

    async def _h_release_held(self, request: web.Request) -> Any:
        await _body(request, set())
        self.release_held()
        return self.faults()

    async def _h_requests(self, request: web.Request) -> Any:
        return self.request_log(_query(request, {"limit"}).get("limit"))

    async def _h_clear_requests(self, request: web.Request) -> Any:
        self.frontend.request_log.clear()
        return {"cleared": True}

    async def _h_streams(self, request: web.Request) -> Any:
        return self.streams()

    async def _h_settings(self, request: web.Request) -> Any:
        return self.settings()

    async def _h_configure(self, request: web.Request) -> Any:
        return self.configure(await _body(request, None))


# ------------------------------------------------------------------------------------------ helpers


def _json_handler(
    handler: Callable[[web.Request], Coroutine[Any, Any, Any]],
) -> Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        return web.json_response(jsonable(await handler(request)))

    return wrapped


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]
) -> web.StreamResponse:
    """Every control answer is JSON: refusals 400 naming the problem, unknown routes 404/405."""
    try:
        return await handler(request)
    except ControlError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except SimError as exc:
        return web.json_response({"error": str(exc), "reason": exc.reason.value}, status=400)
    except web.HTTPException as exc:
        return web.json_response({"error": f"{exc.reason}: {request.method} {request.path}"}, status=exc.status)
    except Exception:
        log.exception("control request failed %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


async def _body(request: web.Request, allowed: set[str] | None) -> dict[str, Any]:
    """The JSON object body (empty body: {}); with `allowed`, any other key is refused by name."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = inbound.loads(raw)
    except ValueError as exc:  # not JSON, too deep, too big, not UTF-8
        raise ControlError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    if allowed is not None:
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ControlError(f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    return body


def _query(request: web.Request, allowed: set[str]) -> dict[str, str]:
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise ControlError(f"unknown query parameter(s) {unknown}; allowed: {sorted(allowed)}")
    return dict(request.query)


def _decimal(value: Any, what: str) -> Decimal:
    """A finite Decimal from a string, int or Decimal (JSON money comes as strings; floats refused)."""
    try:
        return to_decimal(value, what)
    except (TypeError, ValueError) as exc:
        raise ControlError(str(exc)) from None


def _int(value: Any, what: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ControlError(f"{what} must be an integer, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise ControlError(f"{what} must be an integer, got {value!r}") from None
    if not isinstance(value, int):
        raise ControlError(f"{what} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ControlError(f"{what} must be at least {minimum}, got {value}")
    return value


def _side(value: Any) -> Side:
    if isinstance(value, Side):
        return value
    choices = [s.value for s in Side]
    if isinstance(value, str) and value.lower() in choices:
        return Side(value.lower())
    raise ControlError(f"side must be one of {choices}, got {value!r}")


def _checked(command: Callable[..., Any], *args: Any) -> Any:
    """Run a synthetic-market command, turning its refusal (ValueError, nothing changed) into ours."""
    try:
        return command(*args)
    except ValueError as exc:
        raise ControlError(str(exc)) from exc


def _top(engine: Engine, symbol: str) -> dict[str, Any]:
    top = engine.top_of_book(symbol)
    return {"bid": top.bid, "bid_size": top.bid_size, "ask": top.ask, "ask_size": top.ask_size}
