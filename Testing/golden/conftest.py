"""The golden-output tests import their harness from this folder (``--import-mode=importlib`` does not
put test folders on ``sys.path``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
