"""`full/v2/bulk_orders` (spec §4.7): cancel by order ids or by client order ids (not both: 2233),
then create up to 100 orders, in one request on one sub-account. The answer is unwrapped,
`{orders, cancel_acks}` (gravity-technologies/api-spec's ApiBulkOrdersResponse), each order the
same acknowledgement `create_order` gives.

Whether the live venue checks every order before acting on any is not documented; the simulator
acts in request order and stops at the first refusal, which it answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from xtb.sim.grvt.auth import Accounts, Ctx
from xtb.sim.grvt.errors import GrvtError

MAX_ORDERS = 100
Route = Callable[[Ctx, Mapping[str, Any]], Awaitable[dict[str, Any]]]


class BulkOrders:
    def __init__(self, accounts: Accounts, create_order: Route, cancel_order: Route) -> None:
        self.accounts = accounts
        self.create_order = create_order
        self.cancel_order = cancel_order

    async def bulk_orders(self, ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
        self.accounts.owned(ctx, body)
        sub = str(body["sub_account_id"])
        orders, order_ids, client_ids = (body.get(k) or [] for k in ("orders", "order_i_ds", "client_order_i_ds"))
        if not all(isinstance(v, list) for v in (orders, order_ids, client_ids)) or len(orders) > MAX_ORDERS:
            raise GrvtError(1003)
        if order_ids and client_ids:
            raise GrvtError(2233)
        cancels = [{"order_id": i} for i in order_ids] + [{"client_order_id": c} for c in client_ids]
        acks = []
        for cancel in cancels:
            acks.append((await self.cancel_order(ctx, {"sub_account_id": sub, **cancel}))["result"])
        created = []
        for order in orders:
            if not isinstance(order, dict) or str(order.get("sub_account_id")) != sub:
                raise GrvtError(1003, "Request could not be processed due to malformed syntax: orders")
            created.append((await self.create_order(ctx, {"order": order}))["result"])
        return {"orders": created, "cancel_acks": acks}
