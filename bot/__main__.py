"""Run the askbot harness: ``python -m bot``."""

import sys

from bot.entry import main

sys.exit(main())
