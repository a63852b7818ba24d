"""``python -m gynai``: the same command line as the ``gynai`` script."""

import sys

from gynai.cli.main import main

sys.exit(main())
