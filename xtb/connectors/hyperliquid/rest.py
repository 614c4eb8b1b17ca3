"""Hyperliquid's two REST routes: `POST {rest}/info` (reads, by `type`) and `POST {rest}/exchange`
(signed actions), each priced for the pacer before it is sent (endpoints.py), and every answer
read the venue's way (spec §4.1):

* HTTP 200 is every business outcome. `/info` answers the bare payload (`null` included);
  `/exchange` answers `{"status":"ok","response":…}` or `{"status":"err","response":"<text>"}`.
  `"status":"ok"` is not success (hazard 1): the per-order results are actions.py's to read; a
  whole-request `err` is returned too, so one error fans out to every order of a batch.
* Anything else is the error table's (errors.py): 422 refused, 429 (`null` body) rate limited,
  5xx ambiguous. A 200 whose body is not the venue's shape may have been applied: UnreadableAnswer.

The body is serialised once and sent as bytes: what is sent is what was signed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yarl import URL

from xtb.connectors.hyperliquid import endpoints
from xtb.connectors.hyperliquid.auth import HyperliquidSigner
from xtb.connectors.hyperliquid.errors import TABLE, VENUE
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost
from xtb.connectors.parsing import PayloadReader, UnreadableAnswer

JSON = {"Content-Type": "application/json"}
READ = PayloadReader(VENUE)


class HyperliquidRest:
    def __init__(self, http: PacedSession, base_url: str, signer: HyperliquidSigner) -> None:
        self._http = http
        base = base_url.rstrip("/")
        self._info_url = URL(base + endpoints.INFO_PATH)
        self._exchange_url = URL(base + endpoints.EXCHANGE_PATH)
        self.signer = signer

    @property
    def account(self) -> str:
        return self.signer.account

    async def info(self, payload: Mapping[str, Any]) -> Any:
        """One read; the bare answer (JSON numbers as Decimal), or the table's error."""
        info_type = str(payload.get("type"))
        answer = await self._post(
            self._info_url, dict(payload), Cost(endpoints.info_weight(info_type)), f"info {info_type}"
        )
        extra = endpoints.extra_info_weight(info_type, len(answer) if isinstance(answer, list) else 0)
        if extra:
            await self._http.pacer.acquire(Cost(extra))  # the venue charges per row returned
        return answer

    async def exchange(self, action: Mapping[str, Any], batch_length: int = 1) -> dict[str, Any]:
        """One signed action. The body `{"status": "ok" | "err", "response": …}`; a whole-request
        `err` is returned, not raised (actions.py fans it out to each order or cancel)."""
        cost = Cost(endpoints.exchange_weight(batch_length))
        await self._http.pacer.acquire(cost)  # wait first: the nonce follows the clock
        body = self.signer.envelope(action)
        what = f"exchange {action.get('type')}"
        answer = await self._post(self._exchange_url, body, cost, what, prepaid=True)
        status = answer.get("status") if isinstance(answer, dict) else None
        if status not in ("ok", "err") or (status == "err" and not isinstance(answer.get("response"), str)):
            raise UnreadableAnswer(
                f"POST /exchange ({what}): not the venue's answer shape: {answer!r:.200}", venue=VENUE
            )
        return answer

    async def _post(self, url: URL, body: dict[str, Any], cost: Cost, what: str, *, prepaid: bool = False) -> Any:
        if not prepaid:
            await self._http.pacer.acquire(cost)
        data = json.dumps(body, separators=(",", ":")).encode()
        async with self._http.post(url, data=data, headers=JSON, prepaid=cost) as resp:
            raw = await resp.text()
            status = resp.status
            retry_after = resp.headers.get("Retry-After")
        request = f"POST {url.path} ({what})"
        if status != 200:
            raise TABLE.error(request, status, None, raw.strip()[:200], retry_after)
        return READ.answer(raw, request, parse_float=Decimal)
