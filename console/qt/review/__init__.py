"""Review of a recording in the console window: timeline bar, banner, read-only wiring."""
