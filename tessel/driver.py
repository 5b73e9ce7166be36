"""Stringing the layers together for the Python API: te schedule -> te IR -> loop IR (-> runnable).

`tessel.lower(s, [A, B, C])` is TVM's `tvm.lower`: it builds the te function from the schedule,
applies it with lower-te-to-loop (and loop-simplify where registered), and returns the loop IR,
which prints and runs on the loop interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tessel.passes import run_pipeline
from tessel.passes.registry import default_registry


class LoweredModule:
    """Loop IR of one scheduled function: `print(m)` shows it, `m(a, b, c)` runs it on the loop interpreter in place."""

    def __init__(self, module: ModuleOp, name: str, te_module: ModuleOp):
        self.module = module
        self.name = name
        self.te_module = te_module
        """The te IR (computes + schedule) the loop IR was lowered from."""

    def __str__(self) -> str:
        from tessel import print_ir

        return print_ir(self.module)

    def __call__(self, *arrays: np.ndarray) -> None:
        from tessel.dialects.loop.interpreter import run_loop_function

        run_loop_function(self.module, self.name, arrays)


def lower(schedule: object, args: Sequence[object], name: str = "main", simplify: bool = True) -> LoweredModule:
    """Lower `schedule` for the tensors `args` (inputs then outputs, like tvm.lower) to loop IR."""
    from tessel.frontends import te

    te_module = te.build_module(schedule, args, name=name)  # type: ignore[arg-type]
    module = te_module.clone()
    pipeline = "lower-te-to-loop"
    if simplify and "loop-simplify" in default_registry().names():
        pipeline += ",loop-simplify"
    run_pipeline(module, pipeline)
    return LoweredModule(module, name, te_module)
