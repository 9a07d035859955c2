"""``python -m bench``: the performance suite (same as ``crosssell bench``)."""

import sys

from bench.suite import main

sys.exit(main())
