"""Make the repository's `bench` package importable however pytest is started.

`bench` is a tool of this repository, not part of the installed distribution, so it is only on
the path when Python starts in the repository root (`python -m pytest`); a bare `pytest` run from
elsewhere gets it from here.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
