"""The console's core: pure Python, no Qt. Events, bus, clocks, city, incidents, storage."""
