"""Hyperliquid (HyperCore perpetuals) for xtb: the connector (this package), issue #20.

Started from `xtb new-venue hyperliquid` (docs/connectors.md section 1): `connector.py` holds the
REST hooks and wiring, `auth.py` the signer (over `signing.py`: msgpack + EIP-712), `endpoints.py`
the endpoint table, `errors.py` the error table, `rest.py` the requests, `mapping.py` payload
mapping (statuses in `statuses.py`, wire numbers in `numbers.py`), `streams.py` the socket parsers,
`settings.py` the typed `extra:` keys. Nothing registers the venue until the connector is written.
"""
