"""`python -m bot` is the same as `claimwatch`."""

import sys

from bot.cli import main

sys.exit(main())
