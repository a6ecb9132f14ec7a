"""``python -m ketenbus`` is the ``ketenbus`` command."""

from ketenbus.cli import app

app(prog_name="ketenbus")
