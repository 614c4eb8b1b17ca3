"""A venue file's `simulator:` block: how the suite runs the venue on its built-in simulator.

    venue, symbol, second_symbol   the simulator's name (default: the file's venue), the market it
                                   trades there, and another market for the scenarios about scope
    tracking, order_size           changes to the file's own blocks (fast timings on the simulator);
                                   `order_size.max_notional` is refused: the cap guards real money
    extra                          merged over the connector's `extra` on the simulator
    settings                       the simulator's own switches for the run, handed to its control
                                   API as they are (`PUT /_sim/settings`), which names any it does not know
    faults                         where the resilience scenarios aim the simulator's faults

`faults` names, per venue, the routes and streams of each logical message (so no scenario knows a
venue's paths or stream names). Each target is a mapping, or a list of mappings when one logical
message travels on several streams (all of them are faulted):

    submit, cancel                 REST: {method: POST, path: "/api/v1/order"} (path is a glob)
    order_stream                   the private order updates: {channel: glob, kind: glob}
    fill_stream                    the private fill (trade) messages: {channel, kind}
    position_stream                the private position messages only: {channel, kind}
    book_stream                    the book's messages: depth updates and any real-time best
                                   bid/ask the connector reads (Aster's bookTicker): {channel, kind}
    private_stream                 any message of the private stream(s): {channel, kind}

`kind` defaults to "*". Targets a scenario needs but the file does not give fail that scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, field_validator

from xtb.config.order_size import OrderSizeConfig
from xtb.execution.tracking_limit import TrackingSettings
from xtb.schema import NonEmptyStr, SchemaModel, changes_of


class FaultTarget(SchemaModel):
    """Where one simulator fault is aimed, in the simulator's fault JSON field names."""

    transport: ClassVar[str]  # "rest" or "stream": the simulator's fault list it goes to

    def spec(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class RestTarget(FaultTarget):
    transport: ClassVar[str] = "rest"
    method: NonEmptyStr | None = None  # any method when not given
    path: NonEmptyStr  # a glob over the request path

    @field_validator("method")
    @classmethod
    def _upper(cls, method: str | None) -> str | None:
        return method.upper() if method is not None else None


class StreamTarget(FaultTarget):
    transport: ClassVar[str] = "stream"
    channel: NonEmptyStr  # a glob over the front-end's channel name
    kind: NonEmptyStr = "*"  # a glob over the message kind


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, Mapping) else value


RestTargets = Annotated[tuple[RestTarget, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
StreamTargets = Annotated[tuple[StreamTarget, ...], BeforeValidator(_one_or_many), Field(min_length=1)]


class SimulatorFaults(SchemaModel):
    submit: RestTargets | None = None
    cancel: RestTargets | None = None
    order_stream: StreamTargets | None = None
    fill_stream: StreamTargets | None = None
    position_stream: StreamTargets | None = None
    book_stream: StreamTargets | None = None
    private_stream: StreamTargets | None = None


TrackingChanges = changes_of(TrackingSettings)


class SimulatorOrderSize(changes_of(OrderSizeConfig)):  # type: ignore[misc]
    @field_validator("max_notional")
    @classmethod
    def _no_cap(cls, value: Any) -> Any:
        raise ValueError(
            "the notional cap guards real money and does not apply on the simulator; set it under order_size "
            "(the real venue's block)"
        )


class SimulatorBlock(SchemaModel):
    venue: NonEmptyStr | None = None  # the built-in simulator's registry name; default: the file's venue
    symbol: NonEmptyStr | None = None
    second_symbol: NonEmptyStr | None = None
    tracking: TrackingChanges = Field(default_factory=TrackingChanges)  # type: ignore[valid-type]
    order_size: SimulatorOrderSize = Field(default_factory=SimulatorOrderSize)
    faults: SimulatorFaults = Field(default_factory=SimulatorFaults)
    extra: dict[NonEmptyStr, Any] = {}
    settings: dict[NonEmptyStr, Any] = {}
