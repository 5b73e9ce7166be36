"""Shared pieces of the loop-level passes: index expressions as canonical sums, and small IR edits."""
