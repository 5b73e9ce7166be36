"""tessel.backends."""
