"""``python -m benchmarks [NAME ...] [--quick] [--json FILE]``: see :func:`benchmarks.suite.main`."""
import sys

from benchmarks.suite import main

if __name__ == "__main__":
    sys.exit(main())
