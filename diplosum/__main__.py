import sys

from diplosum.cli import main

sys.exit(main())
