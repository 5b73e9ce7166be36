"""Checking one graph op's te compute and default CPU schedule against the op's numpy semantics.

    g = GraphBuilder("f"); x = g.input("x", (2, 3)); y = g.relu(x)
    check_graph_op(y.owner, [np.random.rand(2, 3).astype("f4")])

builds te placeholders for the operands, `compute_of(op, ...)`, `schedule_group(outputs)`, compiles with
tessel.build (LLVM, the compile cache keeps repeated kernels cheap) and compares every result with
`op.evaluate(*inputs)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.ir import Operation

import tessel
from tessel.backends.llvm import Module
from tessel.frontends import te
from tessel.ops import compute_of, schedule_group


def te_dtype(array: np.ndarray) -> str:
    return "bool" if array.dtype == np.bool_ else str(array.dtype)


def compiled_graph_op(op: Operation, inputs: Sequence[np.ndarray]) -> tuple[Module, list[te.Tensor], list[te.Tensor]]:
    """The LLVM module of `op`'s compute under its group schedule, with its placeholders and outputs."""
    placeholders = [te.placeholder(a.shape, dtype=te_dtype(a), name=f"in{i}") for i, a in enumerate(inputs)]
    outputs = compute_of(op, placeholders)
    s = schedule_group(outputs)
    return tessel.build(s, [*placeholders, *outputs], name="kernel"), placeholders, outputs


def run_graph_op(op: Operation, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """`op`'s results computed by compiled code."""
    module, _, outputs = compiled_graph_op(op, inputs)
    results = [np.zeros(o.shape, dtype=np.dtype(o.dtype)) for o in outputs]
    module(*[np.asarray(a, order="C") for a in inputs], *results)
    return results


def check_graph_op(op: Operation, inputs: Sequence[np.ndarray], rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Compiled results of `op` equal `op.evaluate(*inputs)` (dtype and shape too)."""
    expected = op.evaluate(*inputs)
    actual = run_graph_op(op, inputs)
    assert len(actual) == len(expected)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        want = np.asarray(want)
        assert got.shape == want.shape, f"{op.name} result {index}: shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{op.name} result {index}: dtype {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{op.name} result {index}")
