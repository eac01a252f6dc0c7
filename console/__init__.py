"""City operations command-and-dispatch console."""

__version__ = "0.1.0"
