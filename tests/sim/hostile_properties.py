"""The three hostile-traffic properties every simulator must hold, run by each venue's test module
with that venue's `VenueFuzz`:

- hostile REST requests (any route, method, path, query, header or body) get an answer below 500 in
  the venue's error shape;
- hostile payloads, signed as the venue wants, to the routes that take them, the same;
- hostile stream frames get the venue's stream error or a close with a reason (and, whatever the
  draw, the four kinds that crashed or confused a simulator: deep JSON, text that is not JSON,
  binary garbage, a frame past the message limit);

and after each, the simulator still serves a valid signed request and the engine's books and
accounts still add up (`VenueFuzz.still_serves`).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.sim.hostile_data import DEEP, nested, payloads, requests, ws_frames
from tests.sim.hostile_harness import VenueFuzz, judge, probe_stream
from tests.sim.hostile_http import HostileRequest


def rest_property(venue: VenueFuzz) -> None:
    with venue.harness() as h:

        @given(requests(venue.profile(h)))
        def hostile(request: HostileRequest) -> None:
            verdict = judge(request, h.send(request), venue.shape, venue.switched_off)
            assert verdict.ok, verdict.detail

        hostile()
        h.run(venue.still_serves(h))


def payload_property(venue: VenueFuzz, group: str) -> None:
    with venue.harness() as h:

        @given(payloads(venue.profile(h, group)))
        def hostile(request: HostileRequest) -> None:
            verdict = judge(request, h.send(request), venue.shape, venue.switched_off)
            assert verdict.ok, verdict.detail

        hostile()
        h.run(venue.still_serves(h))


def stream_property(venue: VenueFuzz) -> None:
    with venue.harness() as h:
        probe = h.run(venue.probe(h))

        @given(ws_frames(venue.ws_templates), st.booleans())
        def hostile(frame: str | bytes, text: bool) -> None:
            verdict = h.run(probe_stream(h.http, probe, frame, text))
            assert verdict.ok, verdict.detail

        hostile()
        for frame, text in ((nested(DEEP), True), ("{not json", True), (b"\xff\xfe\x00", False),
                            ("[" * 2_000_000, True), ("[]", True)):  # fmt: skip
            verdict = h.run(probe_stream(h.http, probe, frame, text))  # on a new socket each: still served
            assert verdict.ok, verdict.detail
        h.run(venue.still_serves(h))
