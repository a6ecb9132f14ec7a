"""Entry point: ``python -m ketenbus.reference_backoffice --spec-dir ../shared/vera ...``."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
