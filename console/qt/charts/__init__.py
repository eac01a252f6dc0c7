"""The chart workspace: stacked, linked live charts of channel history."""
