"""Entry point: ``python -m devkit.partner_simulators --roerdal-page page-1.json ...``."""

import sys

from devkit.partner_simulators._cli import main

if __name__ == "__main__":
    sys.exit(main())
