"""`xtb new-venue`: the project a new venue starts from (docs/connectors.md section 1).

`names` checks the venue's name, `venue_file` writes the venue file from the schema, `project`
fills the templates (package data in `templates/`) and writes them, `command` is the CLI.
"""
