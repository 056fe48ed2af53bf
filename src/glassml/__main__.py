"""``python -m glassml``: the glassml command line."""

import sys

from glassml.cli import main

if __name__ == "__main__":
    sys.exit(main())
