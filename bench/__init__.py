"""Benchmarks of ketenbus against its ceilings (issue G), run on demand, never by pytest.

    make bench                          # the full run (1,000,000-message replay, 1 min steps)
    .venv/bin/python -m bench --quick   # smaller counts and 10 s steps, for development

One run measures every stage on the same broker and machine and writes
``docs/performance.md`` with its charts under ``docs/performance/``. See that page
for what each measurement does and why.
"""

import importlib.util
import sys

_MISSING = [name for name in ("matplotlib", "psutil") if importlib.util.find_spec(name) is None]
if _MISSING:
    # `uv sync --frozen` (make test) removes groups it was not asked for.
    sys.exit(
        f"the benchmark needs its dependency group ({', '.join(_MISSING)} missing): "
        "run `make bench`, or `uv sync --frozen --group bench` first"
    )
