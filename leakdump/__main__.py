"""`python3 -m leakdump core EXE CORE ...` / `pid PID ...` (leakdump.cli)."""

import sys

from leakdump.cli import main

sys.exit(main())
