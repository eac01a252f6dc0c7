"""Core tests need no Qt; they run with Qt blocked in the test command."""
