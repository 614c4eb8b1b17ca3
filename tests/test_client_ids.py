"""Client order ids: unique, inside the venue's limits, and tagged per run where the range leaves room."""

from __future__ import annotations

import random

import pytest

from xtb.connectors.client_ids import ClientIdGenerator, ClientIdPolicy

COUNT = 10_000

INT_RANGES = [(0, 2**32 - 1), (1, 2**48 - 1)]


def _range_id(r: tuple[int, int]) -> str:
    return f"{r[0]}..{r[1]:#x}"


def two_generators(policy: ClientIdPolicy) -> tuple[ClientIdGenerator, ClientIdGenerator]:
    a = ClientIdGenerator(policy, random.Random(1))
    b = ClientIdGenerator(policy, random.Random(2))
    assert a.run_tag is not None and b.run_tag is not None
    assert a.run_tag != b.run_tag  # the premise of the ownership checks below
    return a, b


# -- integer ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lo", "hi"), INT_RANGES, ids=[_range_id(r) for r in INT_RANGES])
def test_int_ids_unique_in_range_and_owned(lo: int, hi: int) -> None:
    a, b = two_generators(ClientIdPolicy.int_range(lo, hi))
    ids_a = [a.next() for _ in range(COUNT)]
    ids_b = [b.next() for _ in range(COUNT)]

    for ids in (ids_a, ids_b):
        assert all(isinstance(i, str) and i.isdigit() for i in ids)
        values = [int(i) for i in ids]
        assert len(set(values)) == COUNT
        assert min(values) >= lo
        assert max(values) <= hi

    assert a.scoped and b.scoped
    assert all(a.owns(i) for i in ids_a)
    assert all(b.owns(i) for i in ids_b)
    assert not any(a.owns(i) for i in ids_b)
    assert not any(b.owns(i) for i in ids_a)
    assert set(ids_a).isdisjoint(ids_b)
    assert a.owns(int(ids_a[0]))  # an int the venue sent back counts as well


def test_int_ids_at_the_top_of_the_range_stay_in_range() -> None:
    # Force the highest run tag: the ids must still fit below the maximum.
    policy = ClientIdPolicy.int_range(0, 2**32 - 1)
    rng = random.Random(0)
    rng.randrange = lambda n: n - 1  # type: ignore[method-assign]
    gen = ClientIdGenerator(policy, rng)
    assert gen.run_tag == 2**32 // 2**20 - 1
    ids = [int(gen.next()) for _ in range(COUNT)]
    assert max(ids) <= 2**32 - 1
    assert len(set(ids)) == COUNT


def test_run_tag_counter_space_exhausted_raises() -> None:
    policy = ClientIdPolicy.int_range(0, 2**32 - 1, counter_space=16)
    gen = ClientIdGenerator(policy, random.Random(3))
    ids = []
    with pytest.raises(RuntimeError):
        for _ in range(17):
            ids.append(gen.next())
    assert 1 <= len(ids) <= 16
    assert len(set(ids)) == len(ids)
    assert all(gen.owns(i) for i in ids)


def test_tiny_int_range_has_no_run_tag_but_yields_ids_until_exhausted() -> None:
    lo, hi = 1, 1000
    gen = ClientIdGenerator(ClientIdPolicy.int_range(lo, hi), random.Random(1))
    assert gen.run_tag is None
    assert gen.scoped is False

    ids: list[str] = []
    with pytest.raises(RuntimeError):
        for _ in range(hi - lo + 2):
            ids.append(gen.next())
    values = [int(i) for i in ids]
    assert len(set(values)) == len(values)
    assert all(lo <= v <= hi for v in values)
    assert len(values) >= hi - lo  # at most one value of the range left unused
    assert not any(gen.owns(i) for i in ids)  # no tag: cannot tell ours from others
    with pytest.raises(RuntimeError):
        gen.next()


def test_empty_int_range_is_refused() -> None:
    with pytest.raises(ValueError):
        ClientIdGenerator(ClientIdPolicy.int_range(5, 4))


@pytest.mark.parametrize("other", [None, "", "abc", "12a", "-5", " 5", "1.0"])
def test_non_digit_ids_are_not_owned(other: str | None) -> None:
    gen = ClientIdGenerator(ClientIdPolicy.int_range(0, 2**32 - 1), random.Random(1))
    assert gen.owns(other) is False


def test_unicode_digit_like_id_is_not_owned() -> None:
    gen = ClientIdGenerator(ClientIdPolicy.int_range(0, 2**32 - 1), random.Random(1))
    assert gen.owns("²") is False


# -- string ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("max_length", [36, 20])
def test_string_ids_unique_short_in_alphabet_and_owned(max_length: int) -> None:
    policy = ClientIdPolicy.string(max_length)
    a, b = two_generators(policy)
    ids_a = [a.next() for _ in range(COUNT)]
    ids_b = [b.next() for _ in range(COUNT)]
    alphabet = set(policy.alphabet)

    for ids in (ids_a, ids_b):
        assert len(set(ids)) == COUNT
        assert all(0 < len(i) <= max_length for i in ids)
        assert all(set(i) <= alphabet for i in ids)

    assert a.scoped and b.scoped
    assert all(a.owns(i) for i in ids_a)
    assert not any(a.owns(i) for i in ids_b)
    assert not any(b.owns(i) for i in ids_a)
    assert a.owns(None) is False


def test_string_ids_with_a_custom_alphabet_stay_inside_it() -> None:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    gen = ClientIdGenerator(ClientIdPolicy.string(16, alphabet=alphabet), random.Random(5))
    ids = [gen.next() for _ in range(1000)]
    assert all(set(i) <= set(alphabet) and len(i) <= 16 for i in ids)
    assert len(set(ids)) == 1000


@pytest.mark.parametrize("max_length", [1, 8, 14])
def test_too_small_max_length_is_refused(max_length: int) -> None:
    with pytest.raises(ValueError):
        ClientIdGenerator(ClientIdPolicy.string(max_length), random.Random(1))


def test_alphabet_without_letters_is_refused() -> None:
    with pytest.raises(ValueError):
        ClientIdGenerator(ClientIdPolicy.string(36, alphabet="0123456789"), random.Random(1))


@pytest.mark.parametrize(
    "policy",
    [ClientIdPolicy.int_range(0, 2**32 - 1), ClientIdPolicy.int_range(1, 2**48 - 1), ClientIdPolicy.string(36)],
    ids=["int32", "int48", "str36"],
)
def test_untagged_ids_belong_to_no_known_run(policy: ClientIdPolicy) -> None:
    """The ids a person would use (the scope scenario's foreign orders): valid for the venue and
    owned by neither this run nor the other run it names."""
    from xtb.checks.others import UntaggedIds

    ours, theirs = ClientIdGenerator(policy, random.Random(1)), ClientIdGenerator(policy, random.Random(2))
    person = UntaggedIds(policy, avoid=[ours, theirs], rng=random.Random(3))
    ids = [person.next() for _ in range(200)]
    assert not any(ours.owns(i) or theirs.owns(i) for i in ids)
    if policy.kind == "int":
        assert all(policy.min_value <= int(i) <= policy.max_value for i in ids)
    else:
        assert all(len(i) <= policy.max_length and set(i) <= set(policy.alphabet) for i in ids)


# -- fixed-width hex ids (Hyperliquid's cloid: "0x" + 32 lower-case hex, spec §0 and §6.1) -------------


def test_hex_ids_are_the_venue_form_unique_and_owned() -> None:
    policy = ClientIdPolicy.hex(32, prefix="0x")
    a, b = two_generators(policy)
    ids_a = [a.next() for _ in range(COUNT)]
    ids_b = [b.next() for _ in range(COUNT)]
    for ids in (ids_a, ids_b):
        assert len(set(ids)) == COUNT
        for cid in ids:
            assert len(cid) == 34 and cid.startswith("0x")
            assert set(cid[2:]) <= set("0123456789abcdef")  # lower case: the venue signs the bytes
    assert all(a.owns(i) for i in ids_a)
    assert not any(a.owns(i) for i in ids_b)
    assert a.owns(ids_a[0].upper().replace("0X", "0x"))  # the venue may echo another case
    assert not a.owns(ids_a[0][:-1])  # a shorter string is no id of ours
    assert not a.owns("0x0000000000000000000000000000abcd")


def test_hex_ids_need_room_for_a_counter() -> None:
    with pytest.raises(ValueError, match="no room"):
        ClientIdGenerator(ClientIdPolicy.hex(12))


def test_untagged_hex_ids_are_valid_and_owned_by_no_run() -> None:
    from xtb.checks.others import UntaggedIds

    policy = ClientIdPolicy.hex(32)
    ours = ClientIdGenerator(policy, random.Random(3))
    manual = UntaggedIds(policy, [ours], random.Random(4))
    for _ in range(100):
        cid = manual.next()
        assert len(cid) == 34 and cid.startswith("0x") and set(cid[2:]) <= set("0123456789abcdef")
        assert not ours.owns(cid)
