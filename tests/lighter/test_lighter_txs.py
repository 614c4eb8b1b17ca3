"""tx_info parsing, the signed message's attribute rules and the field validation codes (§2.2, §2.4)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.lighter.conftest import VECTORS, order_fields
from xtb.sim.lighter import errors as E
from xtb.sim.lighter import txs as T
from xtb.sim.lighter.errors import LighterError

V1 = VECTORS["vectors"][0]
NOW = 1_795_630_000_000
SIG = base64.b64encode(bytes(80)).decode()


def info(**fields: Any) -> str:
    return json.dumps({**fields, "Sig": SIG, "L2TxAttributes": None})


def code_of(tx_type: Any, tx_info: Any) -> int:
    with pytest.raises(LighterError) as caught:
        T.parse_tx(tx_type, tx_info)
    return caught.value.code


def test_parse_by_key_from_text_or_object() -> None:
    text = T.parse_tx("14", V1["tx_info"])
    obj = T.parse_tx(14, json.loads(V1["tx_info"]))
    reordered = json.dumps(dict(reversed(list(json.loads(V1["tx_info"]).items()))))
    assert text.fields == obj.fields == T.parse_tx(14, reordered).fields
    assert (text.account, text.key_index, text.nonce, text["ClientOrderIndex"]) == (12345, 3, 7, 1001)


def test_unreadable_transactions() -> None:
    assert code_of(99, V1["tx_info"]) == E.UNSUPPORTED_TX_TYPE
    assert code_of(13, V1["tx_info"]) == E.UNSUPPORTED_TX_TYPE  # withdraw: not served by the simulator
    assert code_of("x", V1["tx_info"]) == E.INVALID_TX_INFO
    assert code_of(14, "{not json") == E.INVALID_TX_INFO
    assert code_of(14, "[]") == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"Nonce":7,', "")) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"Nonce":7', '"Nonce":"7"')) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"Nonce":7', '"Nonce":-1')) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"Nonce":7', '"Nonce":7.0')) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"IsAsk":0', '"IsAsk":false')) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace('"Sig":"X7', '"Sig":"!7')) == E.INVALID_SIGNATURE
    assert code_of(14, V1["tx_info"].replace('"Sig":"X7RZ', '"Sig":"')) == E.INVALID_SIGNATURE
    assert code_of(14, V1["tx_info"].replace("null", '{"9":1}')) == E.INVALID_TX_INFO
    assert code_of(14, V1["tx_info"].replace("null", '{"1":1,"2":1,"3":1,"4":1,"6":1}')) == E.INVALID_TX_INFO


def test_nil_attributes_hash_like_none() -> None:
    """Older signers emit {"1":0,"2":0,"3":0}: every value is its nil, so it hashes as null."""
    plain = T.parse_tx(14, V1["tx_info"])
    nils = T.parse_tx(14, V1["tx_info"].replace("null", '{"1":0,"2":0,"3":0,"5":255}'))
    assert T.message(plain, 304) == T.message(nils, 304)
    market_0 = T.parse_tx(16, VECTORS["vectors"][4]["tx_info"])
    assert market_0.attribute(T.CANCEL_ALL_MARKET) == 0 and market_0.non_nil_attributes() == [(4, 1), (5, 0)]


def test_auth_message_pads_the_ascii_to_limbs() -> None:
    token = VECTORS["auth_token"]
    assert list(T.auth_message(token["deadline"], 12345, 3)) == token["m"]


CREATE_CASES = [
    ({"MarketIndex": 300}, E.INVALID_MARKET),
    ({"ClientOrderIndex": 2**48}, E.INVALID_CLIENT_ORDER_INDEX),
    ({"BaseAmount": 0}, E.INVALID_BASE_AMOUNT),
    ({"BaseAmount": 2**48}, E.INVALID_BASE_AMOUNT),
    ({"Price": 0}, E.INVALID_PRICE),
    ({"Price": 2**32}, E.INVALID_PRICE),
    ({"IsAsk": 2}, E.INVALID_IS_ASK),
    ({"TimeInForce": 3}, E.INVALID_TIME_IN_FORCE),
    ({"ReduceOnly": 2}, E.INVALID_REDUCE_ONLY),
    ({"MarketIndex": 2048, "ReduceOnly": 1}, E.INVALID_REDUCE_ONLY),
    ({"Type": 7}, E.INVALID_ORDER_TYPE),
    ({"Type": 1, "TimeInForce": 0, "OrderExpiry": 0, "TriggerPrice": 5}, E.INVALID_TRIGGER_PRICE),
    ({"Type": 1, "TimeInForce": 1}, E.INVALID_TIME_IN_FORCE),
    ({"Type": 1, "TimeInForce": 0}, E.INVALID_EXPIRY),
    ({"TimeInForce": 0}, E.INVALID_EXPIRY),  # IOC with an expiry
    ({"OrderExpiry": 0}, E.INVALID_EXPIRY),  # post-only without one
    ({"TriggerPrice": 1}, E.INVALID_TRIGGER_PRICE),
    ({"Type": 2, "TimeInForce": 0}, E.INVALID_TRIGGER_PRICE),
    ({"Type": 2, "MarketIndex": 2048}, E.INVALID_ORDER_TYPE),
    ({"Type": 6, "TimeInForce": 2}, E.INVALID_TIME_IN_FORCE),
    ({"OrderExpiry": NOW + 60_000}, E.INVALID_EXPIRY),  # under 5 minutes ahead
    ({"OrderExpiry": NOW + 31 * T.DAY_MS}, E.INVALID_EXPIRY),
]


@pytest.mark.parametrize(("changes", "code"), CREATE_CASES, ids=lambda c: str(c))
def test_create_order_field_rules(changes: dict[str, Any], code: int) -> None:
    fields = order_fields(1, 4, 0, **{"OrderExpiry": NOW + 28 * T.DAY_MS, **changes})
    tx = T.parse_tx(14, info(**fields))
    with pytest.raises(LighterError) as caught:
        T.validate(tx, NOW)
    assert caught.value.code == code


def test_valid_orders_pass() -> None:
    for changes in ({}, {"Type": 1, "TimeInForce": 0, "OrderExpiry": 0}, {"TimeInForce": 0, "OrderExpiry": 0},
                    {"BaseAmount": 0, "ReduceOnly": 1}, {"ClientOrderIndex": 0}):  # fmt: skip
        fields = order_fields(1, 4, 0, **{"OrderExpiry": NOW + 28 * T.DAY_MS, **changes})
        T.validate(T.parse_tx(14, info(**fields)), NOW)


def _cancel_all(tif: int, when: int, attributes: dict[str, int] | None = None) -> T.Tx:
    fields = {"AccountIndex": 1, "ApiKeyIndex": 4, "TimeInForce": tif, "Time": when, "ExpiredAt": NOW, "Nonce": 0}
    return T.parse_tx(16, json.dumps({**fields, "Sig": SIG, "L2TxAttributes": attributes}))


@pytest.mark.parametrize(
    ("tif", "when", "attributes", "code"),
    [
        (0, 5, None, E.INVALID_CANCEL_ALL_TIME),
        (1, NOW + 60_000, None, E.INVALID_CANCEL_ALL_TIME),
        (1, NOW + 16 * T.DAY_MS, None, E.INVALID_CANCEL_ALL_TIME),
        (2, 1, None, E.INVALID_CANCEL_ALL_TIME),
        (3, 0, None, E.INVALID_CANCEL_ALL_TIF),
        (1, NOW + 600_000, {"5": 0}, E.INVALID_CANCEL_ALL_TIF),
        (0, 0, {"2": 5}, E.INVALID_TX_INFO),  # a fee without an integrator
        (0, 0, {"1": 7, "2": 5, "6": 1}, E.INVALID_TX_INFO),  # self-trade mode with fees
        (0, 0, {"6": 3, "7": 1}, E.INVALID_TX_INFO),  # reduce with master-account equality
        (0, 0, {"6": 4}, E.INVALID_TX_INFO),
    ],
)
def test_cancel_all_and_attribute_rules(tif: int, when: int, attributes: dict[str, int] | None, code: int) -> None:
    with pytest.raises(LighterError) as caught:
        T.validate(_cancel_all(tif, when, attributes), NOW)
    assert caught.value.code == code


def test_cancel_index_is_a_client_index_or_an_order_index() -> None:
    def cancel(index: int) -> T.Tx:
        fields = {"AccountIndex": 1, "ApiKeyIndex": 4, "MarketIndex": 0, "Index": index, "ExpiredAt": NOW, "Nonce": 0}
        return T.parse_tx(15, info(**fields))

    for index in (1, 2**48 - 1, 2**48, 2**60 - 1):
        T.validate(cancel(index), NOW)
    for index in (0, 2**60):
        with pytest.raises(LighterError) as caught:
            T.validate(cancel(index), NOW)
        assert caught.value.code == E.INVALID_ORDER_INDEX
