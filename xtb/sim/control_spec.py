"""The control API's one declaration: every `/_sim` route with what it is for, its parameters, its
body and the shape of its answer, and the fields a fault or a settings change may carry.

`SimControl.http_app` registers its routes from `CONTROL_ROUTES`, `xtb.sim.fault_specs` checks faults
against `REST_FAULT_FIELDS` / `STREAM_FAULT_FIELDS`, and `xtb.sim.control_docs` writes the index
(`GET /_sim`) and the OpenAPI document (`GET /_sim/openapi.json`) from the same tables, so a route or
a field cannot exist without its description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xtb.sim.engine_types import EXPIRY_REASONS, BalanceView, BookView, FillView, LevelView, OrderView, PositionView
from xtb.sim.faults import RestAction, RestFault, StreamAction, StreamFault
from xtb.sim.request_log import RequestRecord

# ------------------------------------------------------------------------------------------ schemas

MONEY: dict[str, Any] = {
    "type": ["string", "integer"],
    "description": 'an exact decimal as a string ("1000.5") or an integer; floats are refused',
    "examples": ["1000"],
}
ACCOUNT_ID: dict[str, Any] = {
    "type": ["string", "integer"],
    "description": "the engine's account id (a string, or an integer on venues that number accounts)",
}
SIDE: dict[str, Any] = {"type": "string", "enum": ["buy", "sell"]}
STRING: dict[str, Any] = {"type": "string"}


@dataclass(frozen=True)
class Field:
    """One field of a request: its JSON schema, whether it must be given, and what it means."""

    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class FaultField:
    """One field of a fault entry: the JSON types `parse_faults` accepts, and whether null is one."""

    types: type | tuple[type, ...]
    nullable: bool
    description: str


#: What each fault `action` does (a test checks every action of the enums is here).
REST_ACTIONS: dict[RestAction, str] = {
    RestAction.STATUS: "answer `status` (e.g. 429 with retry_after, 503) without applying the request",
    RestAction.DELAY: "wait `delay` seconds, then handle the request",
    RestAction.HOLD: "hold the request until POST /_sim/faults/release (at most `delay` seconds), then handle it",
    RestAction.DROP_RESPONSE: "apply the request, then drop the connection: the ambiguous outcome",
    RestAction.APPLY_THEN_STATUS: "apply the request, then answer `status` (a 503 after the fact)",
    RestAction.REJECT_ORDER: "refuse the next order with `reason`, in the venue's own error shape",
}
STREAM_ACTIONS: dict[StreamAction, str] = {
    StreamAction.DROP: "never send the message",
    StreamAction.DELAY: "send it `delay` seconds late",
    StreamAction.DUPLICATE: "send it twice",
    StreamAction.REORDER: "send it after the next message on the same connection",
    StreamAction.HOLD: "hold it, and the connection's later messages, until POST /_sim/faults/release (at most "
    "`delay` seconds)",
    StreamAction.CLOSE: "close the socket instead of sending it",
}

#: `{"rest": [...]}` entries (`xtb.sim.faults.RestFault`); `action` is declared by `RestAction`.
REST_FAULT_FIELDS: dict[str, FaultField] = {
    "path": FaultField(str, False, 'glob over the request path, e.g. "/api/v1/order*" (default "*")'),
    "method": FaultField(str, False, 'HTTP method to match, e.g. "POST" (default "*")'),
    "count": FaultField(int, True, "how many matching requests it fires for (default 1; null: until cleared)"),
    "status": FaultField(int, False, "the 4xx/5xx answered by status and apply_then_status (default 503)"),
    "retry_after": FaultField((int, float), True, "Retry-After seconds sent with the status (default none)"),
    "delay": FaultField((int, float), False, "seconds for delay; the longest a hold holds (default 0)"),
    "reason": FaultField(str, False, "the engine refusal reject_order answers with, in the venue's shape"),
}
#: `{"stream": [...]}` entries (`xtb.sim.faults.StreamFault`); `action` is declared by `StreamAction`.
STREAM_FAULT_FIELDS: dict[str, FaultField] = {
    "channel": FaultField(str, False, 'glob over the front-end\'s channel name (default "*")'),
    "kind": FaultField(str, False, 'glob over the message kind, e.g. "order", "fill", "depth" (default "*")'),
    "count": FaultField(int, True, "how many matching messages it fires for (default 1; null: until cleared)"),
    "delay": FaultField((int, float), False, "seconds a delayed message waits (default 0)"),
}

#: The synthetic market's settings a run may change (`PUT /_sim/settings {"market": {...}}`).
MARKET_SETTING_FIELDS: dict[str, Field] = {
    "tick_rate": Field({"type": "number"}, "market steps per second while running"),
    "taker_rate": Field({"type": "number"}, "expected random taker hits per second at the touch"),
    "volatility_ticks": Field({"type": "number"}, "standard deviation of the mid's walk per step, in ticks"),
    "fill_after": Field(
        {"type": ["number", "null"]},
        "on-demand fills: another account's order first at the touch is taken once it has rested this many "
        "seconds (null: off)",
    ),
}


# ------------------------------------------------------------------------------------------ answers


def ref(name: str) -> dict[str, Any]:
    """A reference to a schema of the document's components."""
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def closed_object(properties: dict[str, dict[str, Any]], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these properties, all present but the `optional` ones."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


DECIMAL: dict[str, Any] = {"type": "string", "description": "an exact decimal"}
DECIMAL_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "description": "an exact decimal, or null"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}

#: Answers that are engine (or front-end) values as `jsonable` writes them: each dataclass's fields,
#: Decimal as an exact string, an enum as its value. `xtb.sim.control_docs` derives their schemas.
VALUE_SCHEMAS: dict[str, type] = {
    "Order": OrderView,
    "Fill": FillView,
    "Position": PositionView,
    "Balance": BalanceView,
    "Level": LevelView,
    "Book": BookView,
    "Request": RequestRecord,
    "RestFault": RestFault,
    "StreamFault": StreamFault,
}

#: Answers the control API puts together itself.
ANSWER_SCHEMAS: dict[str, dict[str, Any]] = {
    "Index": closed_object(
        {
            "venue": STRING,
            "description": STRING,
            "openapi": {"type": "string", "description": "the URL of this API's OpenAPI document"},
            "routes": array_of(
                closed_object({"method": STRING, "path": STRING, "summary": STRING, "href": STRING}, optional=("href",))
            ),
        }
    ),
    "Top": closed_object(
        {"bid": DECIMAL_OR_NULL, "bid_size": DECIMAL_OR_NULL, "ask": DECIMAL_OR_NULL, "ask_size": DECIMAL_OR_NULL}
    ),
    "Account": closed_object(
        {
            "account_id": ACCOUNT_ID,
            "credentials": {
                "type": ["object", "null"],
                "description": "what a client of this venue signs in with (keys, addresses); null: none issued",
            },
            "balance": ref("Balance"),
        }
    ),
    "SyntheticMarket": closed_object(
        {"symbol": STRING, "mid": DECIMAL, "frozen": BOOLEAN, "running": BOOLEAN, "top": ref("Top")}
    ),
    "Truth": closed_object(
        {
            "orders": array_of(ref("Order")),
            "fills": array_of(ref("Fill")),
            "positions": array_of(ref("Position")),
            "balances": array_of(ref("Balance")),
            "markets": array_of(closed_object({"symbol": STRING, "top": ref("Top")})),
        }
    ),
    "FaultPlan": closed_object(
        {
            "rest": array_of(ref("RestFault")),
            "stream": array_of(ref("StreamFault")),
            "applied": {**array_of(STRING), "description": "the newest faults fired, oldest first"},
        }
    ),
    "Stream": closed_object(
        {
            "id": STRING,
            "site": STRING,
            "path": STRING,
            "account": {"type": ["string", "integer", "null"]},
            "channels": array_of(STRING),
        }
    ),
}


# ------------------------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class ControlRoute:
    """One control route. `path` is under `CONTROL_PREFIX`, in aiohttp's `{name}` syntax; `handler`
    names the `SimControl` method that answers it; `answer` is the JSON schema of its 200 body;
    `body` is a JSON object's fields, or a name of a shared schema (`Faults`, `Settings`) whose fields
    depend on the running simulator. `link`: a GET that answers without any input, so the index gives
    a URL to follow. `aliases`: other paths that answer the same (`GET /_sim/`)."""

    method: str
    path: str
    handler: str
    summary: str
    returns: str
    answer: dict[str, Any]
    path_params: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, Field], ...] = ()
    body: tuple[tuple[str, Field], ...] | str | None = None
    link: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


_ACCOUNT_QUERY = ("account", Field(STRING, "only this account (default: every account)"))
_MARKET_QUERY = ("market", Field(STRING, "only this market symbol (default: every market)"))
_SYMBOL = (("symbol", "the market symbol, as `GET /_sim/markets` lists it"),)

CONTROL_ROUTES: tuple[ControlRoute, ...] = (
    ControlRoute(
        "GET",
        "",
        "_h_index",
        "This index (also at /_sim/): every control route, with links.",
        "the index",
        answer=ref("Index"),
        aliases=("/",),
    ),
    ControlRoute(
        "GET",
        "/openapi.json",
        "_h_openapi",
        "The control API as an OpenAPI 3.1 document.",
        "the document",
        answer={"type": "object", "required": ["openapi", "info", "paths"], "description": "an OpenAPI 3.1 document"},
    ),
    ControlRoute(
        "POST",
        "/reset",
        "_h_reset",
        "Back to the state just after start; the default accounts come back with the same credentials.",
        '`{"accounts": {account id: credentials}}`',
        answer=closed_object({"accounts": {"type": "object", "description": "account id → its credentials"}}),
        body=(),
    ),
    ControlRoute(
        "GET",
        "/accounts",
        "_h_accounts",
        "Every account, its credentials and balance.",
        "a list of `{account_id, credentials, balance}`",
        answer=array_of(ref("Account")),
    ),
    ControlRoute(
        "POST",
        "/accounts",
        "_h_create_account",
        "Create a funded account and issue the venue's credentials for it.",
        "`{account_id, credentials, balance}`",
        answer=ref("Account"),
        body=(
            ("account_id", Field(ACCOUNT_ID, "the new account's id", required=True)),
            ("collateral", Field(MONEY, "its starting cash (default 0)")),
        ),
    ),
    ControlRoute(
        "POST",
        "/accounts/{account}/fund",
        "_h_fund",
        "Deposit into an account (negative: withdraw, never below 0).",
        "the account's balance",
        answer=ref("Balance"),
        path_params=(("account", "the account id"),),
        body=(("amount", Field(MONEY, "the amount to add (negative to take)", required=True)),),
    ),
    ControlRoute(
        "GET",
        "/markets",
        "_h_markets",
        "The synthetic markets: mid, frozen, running, top of book.",
        "a list of `{symbol, mid, frozen, running, top}`",
        answer=array_of(ref("SyntheticMarket")),
    ),
    ControlRoute(
        "GET",
        "/markets/{symbol}/book",
        "_h_book",
        "The engine's order book for a market.",
        "`{market, bids, asks}`, best level first",
        answer=ref("Book"),
        path_params=_SYMBOL,
        query=(("depth", Field({"type": "integer", "minimum": 1}, "levels per side (default 10)")),),
    ),
    ControlRoute(
        "POST",
        "/markets/{symbol}/mid",
        "_h_set_mid",
        "Move the synthetic market's mid to a price (snapped to tick).",
        '`{"mid": price}`',
        answer=closed_object({"mid": DECIMAL}),
        path_params=_SYMBOL,
        body=(("price", Field(MONEY, "the new mid", required=True)),),
    ),
    ControlRoute(
        "POST",
        "/markets/{symbol}/move",
        "_h_move",
        "Move the synthetic market's touch by whole ticks.",
        '`{"mid": price}`',
        answer=closed_object({"mid": DECIMAL}),
        path_params=_SYMBOL,
        body=(("ticks", Field({"type": "integer"}, "ticks to move (negative: down)", required=True)),),
    ),
    ControlRoute(
        "POST",
        "/markets/{symbol}/freeze",
        "_h_freeze",
        "Stop the synthetic market's walk and taker flow.",
        '`{"frozen": true}`',
        answer=closed_object({"frozen": BOOLEAN}),
        path_params=_SYMBOL,
        body=(),
    ),
    ControlRoute(
        "POST",
        "/markets/{symbol}/unfreeze",
        "_h_unfreeze",
        "Let a frozen synthetic market move again.",
        '`{"frozen": false}`',
        answer=closed_object({"frozen": BOOLEAN}),
        path_params=_SYMBOL,
        body=(),
    ),
    ControlRoute(
        "POST",
        "/markets/{symbol}/take",
        "_h_take",
        "Hit the resting orders on one side (fills yours at the touch).",
        '`{"taken": size}`',
        answer=closed_object({"taken": DECIMAL}),
        path_params=_SYMBOL,
        body=(
            ("side", Field(SIDE, "the resting side to hit: sell = the asks", required=True)),
            ("fraction", Field(MONEY, "fraction of the touch level to take (default 1)")),
        ),
    ),
    ControlRoute(
        "GET",
        "/orders",
        "_h_orders",
        "Resting orders, as the engine holds them.",
        "a list of orders",
        answer=array_of(ref("Order")),
        query=(_ACCOUNT_QUERY, _MARKET_QUERY),
    ),
    ControlRoute(
        "GET",
        "/order",
        "_h_order",
        "One order, live or closed: by order_id, or by account and client_id.",
        "the order",
        answer=ref("Order"),
        query=(
            ("order_id", Field(STRING, "the engine's order id")),
            _ACCOUNT_QUERY,
            ("client_id", Field(STRING, "the client's order id (with account)")),
        ),
        link=False,
    ),
    ControlRoute(
        "POST",
        "/orders/{order_id}/expire",
        "_h_expire",
        "End a live order as the venue would on its own (self-trade prevention, risk), keeping its fills.",
        "the order",
        answer=ref("Order"),
        path_params=(("order_id", "the engine's order id"),),
        body=(
            (
                "reason",
                Field({"type": "string", "enum": sorted(r.value for r in EXPIRY_REASONS)}, "why (default self_trade)"),
            ),
        ),
    ),
    ControlRoute(
        "GET",
        "/fills",
        "_h_fills",
        "Fills, as the engine recorded them.",
        "a list of fills",
        answer=array_of(ref("Fill")),
        query=(_ACCOUNT_QUERY, _MARKET_QUERY),
    ),
    ControlRoute(
        "GET",
        "/positions",
        "_h_positions",
        "Open positions.",
        "a list of positions",
        answer=array_of(ref("Position")),
        query=(_ACCOUNT_QUERY,),
    ),
    ControlRoute(
        "GET",
        "/balances",
        "_h_balances",
        "Balances: cash, deposits, realized PnL, fees paid.",
        "a list of balances",
        answer=array_of(ref("Balance")),
        query=(_ACCOUNT_QUERY,),
    ),
    ControlRoute(
        "GET",
        "/truth",
        "_h_truth",
        "One consistent snapshot: orders, fills, positions, balances, tops.",
        "`{orders, fills, positions, balances, markets}`",
        answer=ref("Truth"),
        query=(_ACCOUNT_QUERY,),
    ),
    ControlRoute(
        "GET",
        "/faults",
        "_h_faults",
        "The fault plan and the faults fired so far.",
        "`{rest, stream, applied}`",
        answer=ref("FaultPlan"),
    ),
    ControlRoute(
        "POST",
        "/faults",
        "_h_add_faults",
        "Add faults to the plan (all checked before any is added).",
        "the fault plan",
        answer=ref("FaultPlan"),
        body="Faults",
    ),
    ControlRoute(
        "PUT",
        "/faults",
        "_h_replace_faults",
        "Replace the fault plan.",
        "the fault plan",
        answer=ref("FaultPlan"),
        body="Faults",
    ),
    ControlRoute(
        "DELETE",
        "/faults",
        "_h_clear_faults",
        "Clear the fault plan (held requests go on).",
        "the fault plan",
        answer=ref("FaultPlan"),
    ),
    ControlRoute(
        "POST",
        "/faults/release",
        "_h_release_held",
        "Let the requests and stream messages a hold fault holds go on now.",
        "the fault plan",
        answer=ref("FaultPlan"),
        body=(),
    ),
    ControlRoute(
        "GET",
        "/requests",
        "_h_requests",
        "The venue requests served, newest last (control calls not).",
        "a list of request records",
        answer=array_of(ref("Request")),
        query=(("limit", Field({"type": "integer", "minimum": 1}, "only the newest this many")),),
    ),
    ControlRoute(
        "DELETE",
        "/requests",
        "_h_clear_requests",
        "Forget the request log.",
        '`{"cleared": true}`',
        answer=closed_object({"cleared": BOOLEAN}),
    ),
    ControlRoute(
        "GET",
        "/streams",
        "_h_streams",
        "The open WebSocket connections and their channels.",
        "a list of `{id, site, path, account, channels}`",
        answer=array_of(ref("Stream")),
    ),
    ControlRoute(
        "GET",
        "/settings",
        "_h_settings",
        "The run's settings: the markets' and the venue's own.",
        "the settings",
        answer=ref("CurrentSettings"),
    ),
    ControlRoute(
        "PUT",
        "/settings",
        "_h_configure",
        "Change the run's settings (all checked before any applies; a reset keeps them).",
        "the settings",
        answer=ref("CurrentSettings"),
        body="Settings",
    ),
)
