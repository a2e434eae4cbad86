"""``python -m benchmarks [NAME ...] [--quick] [--json FILE]``: see :mod:`benchmarks.runner`."""

import sys

from benchmarks.runner import main

if __name__ == "__main__":
    sys.exit(main())
