"""Orders below the connectors: the order state machine (`tracker.py`) and the table of a
connector's orders by client id and venue id (`table.py`). Connectors feed them; execution
helpers, checks and strategies read them."""
