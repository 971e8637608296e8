"""``python -m cnrmap.cli``."""

import sys

from cnrmap.cli import main

sys.exit(main())
