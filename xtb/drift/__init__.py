"""Venue drift (issue #21): the shape of what a venue (or a simulator, or the documentation) answers,
and the differences between two such shapes that would break a client.

formats.py    what a string looks like (decimal, hex, ...), and which strings are enum tokens
shapes.py     infer / merge a Shape (a JSON-able dict that carries no value but an enum token)
shape_file.py ShapeFile: one run's shapes, keyed by endpoint or channel, read and written as JSON
keys.py       rest_key / frame_key: the one way an answer or a frame is named
compare.py    compare two ShapeFiles into classified Differences, and render them
command.py    `xtb drift A.json B.json`
"""
