"""Entry point: ``python -m devkit.reference_backoffice --api-key onderhoud=KEY ...``."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
