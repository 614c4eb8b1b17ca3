"""The lite dialect (spec §9.20): the same routes under `/lite/v1/` and `/ws/lite`, with every key
shortened. The names come from GRVT's api-spec (`src/codegen/apispec.json`): per struct, each full
key with its lite key and, for a nested struct, `>Struct`. Keys a struct does not list pass through.
"""

from __future__ import annotations

from typing import Any

_SPEC: dict[str, str] = {
    "ApiCreateOrderRequest": "order:o>Order",
    "Order": (
        "order_id:oi sub_account_id:sa is_market:im time_in_force:ti post_only:po reduce_only:ro legs:l>OrderLeg "
        "signature:s>Signature metadata:m>OrderMetadata state:s1>OrderState builder:b builder_fee:bf"
    ),
    "OrderLeg": "instrument:i size:s limit_price:lp is_buying_asset:ib",
    "Signature": "signer:s r s:s1 v expiration:e nonce:n chain_id:ci",
    "OrderMetadata": "client_order_id:co create_time:ct trigger:t>TriggerOrderMetadata broker:b",
    "TriggerOrderMetadata": "trigger_type:tt tpsl:t>TPSLOrderMetadata",
    "TPSLOrderMetadata": "trigger_by:tb trigger_price:tp close_position:cp is_split_position:is",
    "OrderState": "status:s reject_reason:rr book_size:bs traded_size:ts update_time:ut avg_fill_price:af",
    "ApiCancelOrderRequest": "sub_account_id:sa order_id:oi client_order_id:co time_to_live_ms:tt",
    "ApiCancelAllOrdersRequest": "sub_account_id:sa kind:k base:b quote:q",
    "ApiGetOrderRequest": "sub_account_id:sa order_id:oi client_order_id:co",
    "ApiOpenOrdersRequest": "sub_account_id:sa kind:k base:b quote:q",
    "ApiOrderHistoryRequest": "sub_account_id:sa kind:k base:b quote:q start_time:st end_time:et limit:l cursor:c",
    "ApiFillHistoryRequest": "sub_account_id:sa kind:k base:b quote:q start_time:st end_time:et limit:l cursor:c",
    "ApiPositionsRequest": "sub_account_id:sa kind:k base:b quote:q",
    "ApiSubAccountSummaryRequest": "sub_account_id:sa",
    "ApiGetInstrumentRequest": "instrument:i",
    "ApiGetAllInstrumentsRequest": "is_active:ia",
    "ApiGetFilteredInstrumentsRequest": "kind:k base:b quote:q is_active:ia limit:l",
    "ApiOrderbookLevelsRequest": "instrument:i depth:d",
    "ApiMiniTickerRequest": "instrument:i",
    "ApiTickerRequest": "instrument:i",
    "ApiTradeRequest": "instrument:i limit:l",
    "ApiTradeHistoryRequest": "instrument:i start_time:st end_time:et limit:l cursor:c",
    "ApiCandlestickRequest": "instrument:i interval:i1 type:t start_time:st end_time:et limit:l cursor:c",
    "ApiFundingRateRequest": "instrument:i start_time:st end_time:et limit:l cursor:c agg_type:at",
    "ApiCancelOnDisconnectRequest": "sub_account_id:sa countdown_time:ct",
    "ApiSubAccountHistoryRequest": "sub_account_id:sa start_time:st end_time:et limit:l cursor:c",
    "ApiGetAllInitialLeverageRequest": "sub_account_id:sa",
    "ApiSetInitialLeverageRequest": "sub_account_id:sa instrument:i leverage:l",
    "ApiFundingPaymentHistoryRequest": (
        "sub_account_id:sa instrument:i start_time:st end_time:et limit:l cursor:c kind:k base:b quote:q"
    ),
    "ApiBuilderFillHistoryRequest": "start_time:st end_time:et limit:l cursor:c",
    "ApiCreateOrderResponse": "result:r>Order",
    "AckResponse": "result:r>Ack",
    "Ack": "ack:a",
    "ApiGetOrderResponse": "result:r>Order",
    "ApiOpenOrdersResponse": "result:r>Order",
    "ApiOrderHistoryResponse": "result:r>Order next:n",
    "ApiFillHistoryResponse": "result:r>Fill next:n",
    "Fill": (
        "event_time:et sub_account_id:sa instrument:i is_buyer:ib is_taker:it size:s price:p mark_price:mp "
        "index_price:ip interest_rate:ir forward_price:fp realized_pnl:rp fee:f fee_rate:fr trade_id:ti "
        "order_id:oi venue:v is_liquidation:il client_order_id:co signer:s1 broker:b is_rpi:ir1 builder:b1 "
        "builder_fee_rate:bf builder_fee:bf1 fee_currency:fc"
    ),
    "ApiPositionsResponse": "result:r>Positions",
    "Positions": (
        "event_time:et sub_account_id:sa instrument:i size:s notional:n entry_price:ep exit_price:ep1 "
        "mark_price:mp unrealized_pnl:up realized_pnl:rp total_pnl:tp roi:r quote_index_price:qi "
        "est_liquidation_price:el leverage:l cumulative_fee:cf cumulative_realized_funding_payment:cr "
        "margin_type:mt isolated_balance:ib isolated_im:ii isolated_mm:im"
    ),
    "ApiSubAccountSummaryResponse": "result:r>SubAccount",
    "SubAccount": (
        "event_time:et sub_account_id:sa margin_type:mt settle_currency:sc unrealized_pnl:up total_equity:te "
        "initial_margin:im maintenance_margin:mm available_balance:ab spot_balances:sb>SpotBalance "
        "positions:p>Positions settle_index_price:si is_vault:iv vault_im_additions:vi derisk_margin:dm "
        "derisk_to_maintenance_margin_ratio:dt total_cross_equity:tc cross_unrealized_pnl:cu sub_account_mode:sa1 "
        "margin_balance:mb"
    ),
    "SpotBalance": (
        "currency:c balance:b index_price:ip entry_price:ep realized_pnl:rp unrealized_pnl:up available_to_transfer:at"
    ),
    "ApiGetSubAccountsResponse": "sub_account_ids:sa",
    "ApiGetInstrumentResponse": "result:r>InstrumentDisplay",
    "InstrumentDisplay": (
        "instrument:i instrument_hash:ih base:b quote:q kind:k venues:v settlement_period:sp1 base_decimals:bd "
        "quote_decimals:qd tick_size:ts min_size:ms create_time:ct max_position_size:mp funding_interval_hours:fi "
        "adjusted_funding_rate_cap:af adjusted_funding_rate_floor:af1 min_notional:mn"
    ),
    "ApiGetAllInstrumentsResponse": "result:r>InstrumentDisplay",
    "ApiGetFilteredInstrumentsResponse": "result:r>InstrumentDisplay",
    "ApiGetCurrencyResponse": "result:r>CurrencyDetail",
    "CurrencyDetail": "id:i symbol:s balance_decimals:bd quantity_multiplier:qm",
    "ApiOrderbookLevelsResponse": "result:r>OrderbookLevels",
    "OrderbookLevels": "event_time:et instrument:i bids:b>OrderbookLevel asks:a>OrderbookLevel",
    "OrderbookLevel": "price:p size:s num_orders:no",
    "ApiMiniTickerResponse": "result:r>MiniTicker",
    "MiniTicker": (
        "event_time:et instrument:i mark_price:mp index_price:ip last_price:lp last_size:ls mid_price:mp1 "
        "best_bid_price:bb best_bid_size:bb1 best_ask_price:ba best_ask_size:ba1"
    ),
    "ApiTickerResponse": "result:r>Ticker",
    "Ticker": (
        "event_time:et instrument:i mark_price:mp index_price:ip last_price:lp last_size:ls mid_price:mp1 "
        "best_bid_price:bb best_bid_size:bb1 best_ask_price:ba best_ask_size:ba1 funding_rate_8h_curr:fr "
        "funding_rate_8h_avg:fr1 interest_rate:ir forward_price:fp buy_volume_24h_b:bv sell_volume_24h_b:sv "
        "buy_volume_24h_q:bv1 sell_volume_24h_q:sv1 high_price:hp low_price:lp1 open_price:op open_interest:oi "
        "long_short_ratio:ls1 funding_rate:fr2 next_funding_time:nf"
    ),
    "ApiTradeResponse": "result:r>Trade",
    "Trade": (
        "event_time:et instrument:i is_taker_buyer:it size:s price:p mark_price:mp index_price:ip "
        "interest_rate:ir forward_price:fp trade_id:ti venue:v is_rpi:ir1"
    ),
    "ApiTradeHistoryResponse": "result:r>Trade next:n",
    "ApiCandlestickResponse": "result:r>Candlestick next:n",
    "Candlestick": (
        "open_time:ot close_time:ct open:o close:c high:h low:l volume_b:vb volume_q:vq trades:t instrument:i"
    ),
    "ApiFundingRateResponse": "result:r>ApiFundingRate next:n",
    "ApiFundingRate": (
        "instrument:i funding_rate:fr funding_time:ft mark_price:mp funding_rate_8_h_avg:fr1 funding_interval_hours:fi"
    ),
    "ApiGetAuthorizedBuildersResponse": "results:r>ApiAuthorizedBuilder",
    "ApiAuthorizedBuilder": "builder_account_id:ba max_futures_fee_rate:mf max_spot_fee_rate:ms",
    "ApiBuilderFillHistoryResponse": "result:r>BuilderFillHistory next:n",
    "BuilderFillHistory": (
        "event_time:et off_chain_account_id:oc instrument:i is_buyer:ib is_taker:it size:s price:p mark_price:mp "
        "index_price:ip fee_rate:fr fee:f"
    ),
    "ApiSubAccountHistoryResponse": "result:r>SubAccount next:n",
    "ApiGetAllInitialLeverageResponse": "results:r>InitialLeverageResult",
    "InitialLeverageResult": "instrument:i leverage:l min_leverage:ml max_leverage:ml1 margin_type:mt",
    "ApiSetInitialLeverageResponse": "success:s",
    "ApiFundingPaymentHistoryResponse": "result:r>FundingPayment next:n",
    "FundingPayment": "event_time:et sub_account_id:sa instrument:i currency:c amount:a tx_id:ti",
    "JSONRPCRequest": "jsonrpc:j method:m params:p id:i",
    "JSONRPCResponse": "jsonrpc:j result:r error:e>Error id:i method:m",
    "Error": "code:c message:m",
    "WSSubscribeParams": "stream:s selectors:s1 use_global_sequence_number:ug",
    "WSSubscribeResult": (
        "stream:s subs:s1 unsubs:u num_snapshots:ns first_sequence_number:fs latest_sequence_number:ls"
    ),
    "WSUnsubscribeParams": "stream:s selectors:s1 use_global_sequence_number:ug",
    "WSUnsubscribeResult": "stream:s unsubs:u",
    "WSSubscribeRequestV1Legacy": "request_id:ri stream:s feed:f method:m is_full:if",
    "WSSubscribeResponseV1Legacy": (
        "request_id:ri stream:s subs:s1 unsubs:u num_snapshots:ns first_sequence_number:fs latest_sequence_number:ls"
    ),
    "WSOrderFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Order prev_sequence_number:ps",
    "WSOrderStateFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>OrderStateFeed prev_sequence_number:ps",
    "OrderStateFeed": "order_id:oi client_order_id:co order_state:os>OrderState",
    "WSFillFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Fill prev_sequence_number:ps",
    "WSPositionsFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Positions prev_sequence_number:ps",
    "WSCancelFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>CancelStatusFeed prev_sequence_number:ps",
    "CancelStatusFeed": "sub_account_id:sa client_order_id:co order_id:oi reason:r update_time:ut cancel_status:cs",
    "WSOrderbookLevelsFeedDataV1": (
        "stream:s selector:s1 sequence_number:sn feed:f>OrderbookLevels prev_sequence_number:ps"
    ),
    "WSMiniTickerFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>MiniTicker prev_sequence_number:ps",
    "WSTickerFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Ticker prev_sequence_number:ps",
    "WSTradeFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Trade prev_sequence_number:ps",
    "WSCandlestickFeedDataV1": "stream:s selector:s1 sequence_number:sn feed:f>Candlestick prev_sequence_number:ps",
}

# route → (request struct, response struct)
ROUTES: dict[str, tuple[str, str]] = {
    "create_order": ("ApiCreateOrderRequest", "ApiCreateOrderResponse"),
    "cancel_order": ("ApiCancelOrderRequest", "AckResponse"),
    "cancel_all_orders": ("ApiCancelAllOrdersRequest", "AckResponse"),
    "cancel_on_disconnect": ("ApiCancelOnDisconnectRequest", "AckResponse"),
    "order": ("ApiGetOrderRequest", "ApiGetOrderResponse"),
    "open_orders": ("ApiOpenOrdersRequest", "ApiOpenOrdersResponse"),
    "order_history": ("ApiOrderHistoryRequest", "ApiOrderHistoryResponse"),
    "fill_history": ("ApiFillHistoryRequest", "ApiFillHistoryResponse"),
    "positions": ("ApiPositionsRequest", "ApiPositionsResponse"),
    "account_summary": ("ApiSubAccountSummaryRequest", "ApiSubAccountSummaryResponse"),
    "account_history": ("ApiSubAccountHistoryRequest", "ApiSubAccountHistoryResponse"),
    "get_sub_accounts": ("EmptyRequest", "ApiGetSubAccountsResponse"),
    "get_all_initial_leverage": ("ApiGetAllInitialLeverageRequest", "ApiGetAllInitialLeverageResponse"),
    "set_initial_leverage": ("ApiSetInitialLeverageRequest", "ApiSetInitialLeverageResponse"),
    "funding_payment_history": ("ApiFundingPaymentHistoryRequest", "ApiFundingPaymentHistoryResponse"),
    "get_authorized_builders": ("EmptyRequest", "ApiGetAuthorizedBuildersResponse"),
    "builder_fill_history": ("ApiBuilderFillHistoryRequest", "ApiBuilderFillHistoryResponse"),
    "instrument": ("ApiGetInstrumentRequest", "ApiGetInstrumentResponse"),
    "all_instruments": ("ApiGetAllInstrumentsRequest", "ApiGetAllInstrumentsResponse"),
    "instruments": ("ApiGetFilteredInstrumentsRequest", "ApiGetFilteredInstrumentsResponse"),
    "currency": ("EmptyRequest", "ApiGetCurrencyResponse"),
    "book": ("ApiOrderbookLevelsRequest", "ApiOrderbookLevelsResponse"),
    "mini": ("ApiMiniTickerRequest", "ApiMiniTickerResponse"),
    "ticker": ("ApiTickerRequest", "ApiTickerResponse"),
    "trade": ("ApiTradeRequest", "ApiTradeResponse"),
    "trade_history": ("ApiTradeHistoryRequest", "ApiTradeHistoryResponse"),
    "kline": ("ApiCandlestickRequest", "ApiCandlestickResponse"),
    "funding": ("ApiFundingRateRequest", "ApiFundingRateResponse"),
}

# data frames: stream → its feed-data struct
FEEDS: dict[str, str] = {
    "v1.order": "WSOrderFeedDataV1",
    "v1.state": "WSOrderStateFeedDataV1",
    "v1.fill": "WSFillFeedDataV1",
    "v1.position": "WSPositionsFeedDataV1",
    "v1.cancel": "WSCancelFeedDataV1",
    "v1.book.s": "WSOrderbookLevelsFeedDataV1",
    "v1.book.d": "WSOrderbookLevelsFeedDataV1",
    "v1.mini.s": "WSMiniTickerFeedDataV1",
    "v1.mini.d": "WSMiniTickerFeedDataV1",
    "v1.ticker.s": "WSTickerFeedDataV1",
    "v1.ticker.d": "WSTickerFeedDataV1",
    "v1.trade": "WSTradeFeedDataV1",
    "v1.candle": "WSCandlestickFeedDataV1",
}

Field = tuple[str, str | None]  # (the other key, nested struct)


def _build() -> tuple[dict[str, dict[str, Field]], dict[str, dict[str, Field]]]:
    full: dict[str, dict[str, Field]] = {}
    lite: dict[str, dict[str, Field]] = {}
    for struct, spec in _SPEC.items():
        full[struct], lite[struct] = {}, {}
        for word in spec.split():
            keys, _, nested = word.partition(">")
            name, _, short = keys.partition(":")
            short = short or name
            full[struct][name] = (short, nested or None)
            lite[struct][short] = (name, nested or None)
    return full, lite


_FULL, _LITE = _build()


def _walk(value: Any, struct: str | None, table: dict[str, dict[str, Field]]) -> Any:
    if isinstance(value, list):
        return [_walk(item, struct, table) for item in value]
    if not isinstance(value, dict) or struct is None or struct not in table:
        return value
    fields = table[struct]
    out = {}
    for key, item in value.items():
        other, nested = fields.get(key, (key, None))
        out[other] = _walk(item, nested, table)
    return out


def to_lite(value: Any, struct: str | None) -> Any:
    """Full keys → lite keys, following the struct's nesting."""
    return _walk(value, struct, _FULL)


def to_full(value: Any, struct: str | None) -> Any:
    """Lite keys → full keys (a request on a lite route or socket)."""
    return _walk(value, struct, _LITE)
