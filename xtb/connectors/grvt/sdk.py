"""grvt-pysdk in one place: pointing it at the configured hosts, and signing orders with it (the
reference the connector's fast signer, signing.py, is held to; the connector signs with that one).

The SDK has no base-URL setting (spec §8.2): it resolves hosts through module-level functions at call
time. `point_sdk_at` replaces those patch points once (`grvt_ccxt_env.get_grvt_endpoint_domains`,
`get_grvt_ws_endpoint` in `grvt_ccxt_env` and `grvt_ccxt_ws`, which imports it by name, and
`grvt_raw_base.get_env_config`) with lookups that answer for environments registered here and
defer to the SDK's own tables for its real ones (prod, testnet, ...). Each connector registers its
hosts under its own environment name, so two connectors (a testnet and a simulator) never see each
other's hosts, and the chain id goes into the SDK's shared `CHAIN_IDS` dict under that name, which
is how the SDK's signing finds it. Every URL the connector uses comes from these lookups, and the
SDK's own clients built with the same `SdkEnv` reach the same hosts.

Venue integers exist only here: the SDK scales size × 10^base_decimals and price × 10^9 (truncating)
for the signature, while the wire carries the same values as plain decimal strings.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pysdk import grvt_ccxt_env, grvt_ccxt_ws, grvt_raw_base
from pysdk.grvt_ccxt_env import CHAIN_IDS, GrvtEndpointType, GrvtWSEndpointType
from pysdk.grvt_ccxt_utils import (
    GrvtOrder,
    GrvtOrderLeg,
    GrvtSignature,
    OrderMetadata,
    TimeInForce,
    get_order_payload,
)
from pysdk.grvt_raw_env import GrvtEndpointConfig, GrvtEnvConfig

from xtb.errors import ConfigError
from xtb.secrets import Secret

CHAIN_BY_ENVIRONMENT = {"mainnet": 325, "testnet": 326, "simulator": 326}
SIGNING_TIFS = frozenset(t.name for t in TimeInForce)


@dataclass(frozen=True)
class Hosts:
    """Where one GRVT deployment lives. `ws_*` are the JSON-RPC (`/ws/full`) URLs."""

    edge: str
    trades: str
    market_data: str
    ws_trades: str
    ws_market_data: str

    @classmethod
    def from_hosts(cls, hosts: Mapping[str, Any], rest: str, ws: str) -> Hosts:
        """From a venue file's (or a simulator's) hosts: `rest` / `ws` are the trades host; `edge`,
        `market_data` and `ws_market_data` are required, `trades` / `ws_trades` default to them."""
        missing = [k for k in ("edge", "market_data", "ws_market_data") if not hosts.get(k)]
        if missing:
            raise ConfigError(f"grvt: hosts needs {missing} besides rest and ws")
        return cls(
            edge=str(hosts["edge"]).rstrip("/"),
            trades=str(hosts.get("trades") or rest).rstrip("/"),
            market_data=str(hosts["market_data"]).rstrip("/"),
            ws_trades=str(hosts.get("ws_trades") or ws),
            ws_market_data=str(hosts["ws_market_data"]),
        )

    def legacy(self, url: str) -> str:
        """The legacy `/ws` socket on the same host as a JSON-RPC URL."""
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/ws"


@dataclass(frozen=True)
class SdkEnv:
    """Stands in for the SDK's `GrvtEnv`: its `value` names registered hosts in the patched lookups."""

    value: str

    @property
    def name(self) -> str:
        return self.value

    @property
    def chain_id(self) -> int:
        return CHAIN_IDS[self.value]


_hosts: dict[str, Hosts] = {}
_names = itertools.count(1)
_originals: dict[str, Any] = {}


def point_sdk_at(hosts: Hosts, chain_id: int) -> SdkEnv:
    """Register hosts and a chain id; the SDK's lookups answer for the returned environment."""
    _install()
    env = SdkEnv(f"xtb-{next(_names)}")
    _hosts[env.value] = hosts
    CHAIN_IDS[env.value] = chain_id
    return env


def release(env: SdkEnv) -> None:
    _hosts.pop(env.value, None)
    CHAIN_IDS.pop(env.value, None)


def _install() -> None:
    if _originals:
        return
    _originals["domains"] = grvt_ccxt_env.get_grvt_endpoint_domains
    _originals["ws"] = grvt_ccxt_env.get_grvt_ws_endpoint
    _originals["env_config"] = grvt_raw_base.get_env_config
    grvt_ccxt_env.get_grvt_endpoint_domains = _domains
    grvt_ccxt_env.get_grvt_ws_endpoint = _ws_endpoint
    grvt_ccxt_ws.get_grvt_ws_endpoint = _ws_endpoint  # imported by name there
    grvt_raw_base.get_env_config = _env_config


def _domains(env_name: str) -> dict[GrvtEndpointType, str]:
    hosts = _hosts.get(env_name)
    if hosts is None:
        return _originals["domains"](env_name)
    return {
        GrvtEndpointType.EDGE: hosts.edge,
        GrvtEndpointType.TRADE_DATA: hosts.trades,
        GrvtEndpointType.MARKET_DATA: hosts.market_data,
    }


def _ws_endpoint(env: str, endpoint_type: GrvtWSEndpointType) -> str:
    hosts = _hosts.get(env)
    if hosts is None:
        return _originals["ws"](env, endpoint_type)
    return {
        GrvtWSEndpointType.TRADE_DATA: hosts.legacy(hosts.ws_trades),
        GrvtWSEndpointType.MARKET_DATA: hosts.legacy(hosts.ws_market_data),
        GrvtWSEndpointType.TRADE_DATA_RPC_FULL: hosts.ws_trades,
        GrvtWSEndpointType.MARKET_DATA_RPC_FULL: hosts.ws_market_data,
    }.get(endpoint_type, "")


def _env_config(environment: Any) -> GrvtEnvConfig:
    hosts = _hosts.get(getattr(environment, "value", None))  # type: ignore[arg-type]
    if hosts is None:
        return _originals["env_config"](environment)
    return GrvtEnvConfig(
        edge=GrvtEndpointConfig(rpc_endpoint=hosts.edge, ws_endpoint=None),
        trade_data=GrvtEndpointConfig(rpc_endpoint=hosts.trades, ws_endpoint=hosts.legacy(hosts.ws_trades)),
        market_data=GrvtEndpointConfig(rpc_endpoint=hosts.market_data, ws_endpoint=hosts.legacy(hosts.ws_market_data)),
        chain_id=CHAIN_IDS[environment.value],
    )


# ------------------------------------------------------------------------------------ URLs


def rest_url(env: SdkEnv, host: GrvtEndpointType, route: str) -> str:
    """`<host>/full/v1/<route>`, the host resolved by the SDK's (patched) lookup."""
    return f"{grvt_ccxt_env.get_grvt_endpoint_domains(env.value)[host]}/full/v1/{route}"


def login_url(env: SdkEnv) -> str:
    return grvt_ccxt_env.get_grvt_endpoint(env, "AUTH")  # type: ignore[arg-type]


def ws_url(env: SdkEnv, endpoint: GrvtWSEndpointType) -> str:
    return grvt_ccxt_env.get_grvt_ws_endpoint(env.value, endpoint)


# --------------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class InstrumentMeta:
    """What signing needs of an instrument, read from `all_instruments` (never assumed)."""

    name: str
    instrument_hash: str
    base_decimals: int
    base: str
    quote: str


def plain(value: Decimal) -> str:
    """A wire decimal: fixed point, no exponent ("0.004", "60000.1", "0")."""
    text = format(value.normalize(), "f")
    return text


def sign_order(
    env: SdkEnv,
    private_key: Secret,
    *,
    sub_account_id: str,
    instrument: InstrumentMeta,
    is_buy: bool,
    size: Decimal,
    limit_price: Decimal | None,
    time_in_force: str,
    post_only: bool,
    reduce_only: bool,
    client_order_id: str,
    nonce: int,
    expiration_ns: int,
) -> dict[str, Any]:
    """The `create_order` body, signed by grvt-pysdk (`Order`; this connector routes no builder
    fees). The SDK formats the legs with `str()`; they are rewritten as plain decimals of the same
    values, which changes nothing that is signed."""
    if time_in_force not in SIGNING_TIFS:
        raise ValueError(f"grvt: time in force {time_in_force!r} is not one of {sorted(SIGNING_TIFS)}")
    price = limit_price or Decimal(0)
    order = GrvtOrder(
        sub_account_id=sub_account_id,
        time_in_force=TimeInForce[time_in_force],
        legs=[GrvtOrderLeg(instrument.name, size, is_buy, price)],
        signature=GrvtSignature(signer="", r="", s="", v=0, expiration=str(expiration_ns), nonce=nonce),
        metadata=OrderMetadata(client_order_id=client_order_id),
        is_market=limit_price is None,
        post_only=post_only,
        reduce_only=reduce_only,
    )
    instruments = {
        instrument.name: {"instrument_hash": instrument.instrument_hash, "base_decimals": instrument.base_decimals}
    }
    payload = get_order_payload(order, private_key.reveal(), env, instruments)  # type: ignore[arg-type]
    body = payload["order"]
    body["legs"][0]["size"] = plain(size)
    body["legs"][0]["limit_price"] = plain(price)
    body["signature"]["chain_id"] = str(env.chain_id)
    return payload
