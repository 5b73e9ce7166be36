"""tessel.dialects: IR dialects, the IR text grammar and parser, the printer."""
