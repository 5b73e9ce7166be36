"""Property: random graph-IR functions compiled whole with tessel.compile compute what the graph interpreter does.

Each example costs a full compile (LLVM codegen per kernel), so the example count is a fraction of the
hypothesis profile's (conftest.py): 40 under `dev`, 60 under `ci`, 600 under `soak`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import builtin

import tessel
from tessel.dialects.graph.interpreter import run_function

from .graph_strategies import elementwise_programs, mixed_dags

Program = tuple[builtin.ModuleOp, list[tuple[int, ...]]]
EXAMPLES = max(10, settings.default.max_examples // 5)


def check_compiled_matches_interpreter(module: builtin.ModuleOp, shapes: list[tuple[int, ...]], seed: int) -> None:
    module.verify()
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    expected = run_function(module, "f", inputs)
    model = tessel.compile(module, target="llvm")  # compiles a copy: `module` is left as it was
    actual = model.run(*inputs)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got.shape == want.shape and got.dtype == want.dtype
        finite = np.abs(want[np.isfinite(want)])
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale)


@settings(deadline=None, max_examples=EXAMPLES)
@given(program=elementwise_programs(), seed=st.integers(0, 2**32 - 1))
def test_compiled_elementwise_programs_match_interpreter(program: Program, seed: int) -> None:
    check_compiled_matches_interpreter(*program, seed)


@settings(deadline=None, max_examples=EXAMPLES)
@given(program=mixed_dags(), seed=st.integers(0, 2**32 - 1))
def test_compiled_mixed_dags_match_interpreter(program: Program, seed: int) -> None:
    check_compiled_matches_interpreter(*program, seed)
