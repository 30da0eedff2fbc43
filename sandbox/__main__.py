"""`python -m sandbox`: the terminal demo."""

import sys

from sandbox.demo import main

if __name__ == "__main__":
    sys.exit(main())
