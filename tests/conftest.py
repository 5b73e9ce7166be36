"""Hypothesis profiles: `dev` (default), `ci` (derandomized, the default when CI is set), `soak` (long runs by hand)."""

from __future__ import annotations

import os

from hypothesis import settings

# Property tests run at least 200 examples by default; tests keep their modules small instead.
settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile("soak", max_examples=3000, deadline=None)
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "ci" if os.getenv("CI") else "dev"))
