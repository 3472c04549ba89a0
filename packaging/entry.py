"""The frozen app's entry point: the same command line as the `meetwatch` script."""

import sys

from meetwatch.cli import main

if __name__ == "__main__":
    sys.exit(main())
