"""``python -m console`` starts the console."""

import sys

from console.qt.app import main

sys.exit(main())
