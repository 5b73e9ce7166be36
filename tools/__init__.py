"""tessel.tools."""
