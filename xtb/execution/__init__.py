"""Order tracking and the execution helpers built on it (tracking limit, flatten)."""
