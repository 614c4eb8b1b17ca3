"""The Hyperliquid simulator (issue #20): the venue's protocol on xtb's shared engine.

Started from `xtb new-venue hyperliquid`: `frontend.py` is the wiring, `settings.py` the markets and
every UNCONFIRMED switch, `streams.py` the socket side. Who may sign for whom is `signers`, the
per-signer nonce window `nonces`; both run before any `/exchange` action executes. Not registered in
`xtb.sim.registry` until the front-end serves the venue.
"""
