import sys

from flint_generator.cli import main

sys.exit(main())
