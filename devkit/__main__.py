"""``python -m devkit`` is the ``ketenbus-dev`` command."""

from devkit.cli import app

app(prog_name="ketenbus-dev")
