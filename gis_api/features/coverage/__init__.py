"""Camera coverage: the report, blind spots, relocation-site checks and camera placement."""
