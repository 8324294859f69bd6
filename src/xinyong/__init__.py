"""xinyong (信用): an open-source public-credit platform.

See README.md for the architecture and docs/ for each capability.
"""

__version__ = "0.1.0"
