"""tessel.frontends."""
