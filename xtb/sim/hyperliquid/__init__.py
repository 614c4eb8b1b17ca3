"""The Hyperliquid simulator, built brick by brick (spec shared/venues/hyperliquid.md).

Not registered in `xtb.sim.registry` yet: without a front-end there is nothing to serve. The first
bricks are who may sign for whom (`signers`) and the per-signer nonce window (`nonces`), because every
`/exchange` action passes through them before it is executed.
"""
