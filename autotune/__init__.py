"""tessel.autotune."""
