"""``python -m tui_cnn`` runs the same command line as ``tui-cnn``."""

import sys

from tui_cnn.cli import main

sys.exit(main())
