"""The scenario catalog: every scenario id, its group, and which ones make up the baseline.

The verdict is judged against this list, not against whatever happened to be collected: a venue is
CONFORMANT only when every BASELINE scenario ran and passed, so a baseline scenario that was
skipped, deselected or never reached shows up as missing. Venue files name scenario ids in
`skips:`; a typo there is an error naming the known ids (`check_scenario_id`), caught when the file
loads. tests/test_catalog.py keeps this list and the test functions in `conformance/` identical.

`NEEDS` is the catalog's "skip when" column: the venue features (boolean keys of a venue file's
`capabilities:`, `xtb.config.capabilities`) a scenario cannot run without. A venue whose file says
it lacks one gets the scenario skipped with that reason: reported, counted as not run, never passed.
"""

from __future__ import annotations

BASELINE: tuple[str, ...] = (
    "metadata",
    "post_top_of_book",
    "rest_ws_cross_check",
    "reduce_only_flatten",
    "zero_exposure",
)

ORDER_SEMANTICS: tuple[str, ...] = (
    "cancel_resting",
    "post_only_would_cross",
    "reduce_only_without_position",
    "reduce_only_oversize",
    "partial_fill_then_cancel",
    "cancel_unknown_order",
    "query_by_client_id",
    "position_with_resting_orders",
    "fills_in_several_trades",
    "refusal_after_partial_fill",
    "foreign_orders_left_alone",
    "remainder_below_minimum",
)

RESILIENCE: tuple[str, ...] = (
    "stream_drop_mid_order",
    "lost_fill_message",
    "lost_position_update",
    "duplicate_and_reordered_messages",
    "ambiguous_submit",
    "ambiguous_cancel",
    "cancel_races_fill",
    "rate_limited",
    "bad_credentials",
    "book_gap",
    "reordered_book_messages",
    "restart_with_open_order",
    "fault_run_residue",
)

GROUPS: dict[str, tuple[str, ...]] = {
    "baseline": BASELINE,
    "order semantics": ORDER_SEMANTICS,
    "resilience": RESILIENCE,
}

#: Parametrized scenarios: each variant is its own result row, `ambiguous_submit[drop_response]`.
VARIANTS: dict[str, tuple[str, ...]] = {
    "ambiguous_submit": ("drop_response", "applied_then_503", "status_503"),
}

SCENARIOS: tuple[str, ...] = BASELINE + ORDER_SEMANTICS + RESILIENCE

#: Scenario → the capabilities it needs (each must be true in the venue file; true unless set).
NEEDS: dict[str, tuple[str, ...]] = {
    "reduce_only_flatten": ("reduce_only",),
    "reduce_only_without_position": ("reduce_only",),
    "reduce_only_oversize": ("reduce_only",),
    "query_by_client_id": ("query_by_client_id",),
}


def result_ids(scenario: str) -> tuple[str, ...]:
    """The result rows one scenario produces: itself, or one per variant."""
    variants = VARIANTS.get(scenario)
    return tuple(f"{scenario}[{v}]" for v in variants) if variants else (scenario,)


def all_result_ids() -> tuple[str, ...]:
    """Every result row a complete run of the catalog has for one venue, in catalog order."""
    return tuple(row for scenario in SCENARIOS for row in result_ids(scenario))


def base_id(result_id: str) -> str:
    """`ambiguous_submit[drop_response]` → `ambiguous_submit`."""
    return result_id.split("[", 1)[0]


def needs(result_id: str) -> tuple[str, ...]:
    """The capabilities a scenario (or one variant of it) needs from the venue."""
    return NEEDS.get(base_id(result_id), ())


def is_baseline(result_id: str) -> bool:
    return base_id(result_id) in BASELINE


def check_scenario_id(result_id: str) -> str | None:
    """None when `result_id` names a scenario (or one variant of one); else what is wrong."""
    base = base_id(result_id)
    if base not in SCENARIOS:
        return f"unknown scenario {result_id!r}; known scenarios: {', '.join(SCENARIOS)}"
    if result_id != base and result_id not in result_ids(base):
        known = ", ".join(result_ids(base)) if base in VARIANTS else f"none ({base} has no variants)"
        return f"unknown variant {result_id!r}; known variants: {known}"
    return None
