"""Allow ``python -m raqib``."""

import sys

from raqib.cli import main

sys.exit(main())
