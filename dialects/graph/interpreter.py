"""Runs graph-dialect functions on numpy arrays with xDSL's interpreter, using each op's `evaluate`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    ReturnedValues,
    impl,
    impl_terminator,
    register_impls,
)
from xdsl.interpreters.func import FuncFunctions

from tessel.dialects.graph import GRAPH_OPS, FusedOp, GraphOp, YieldOp


class _FusedFunctions(InterpreterFunctions):
    """A fused group runs its body; graph.yield hands back the group's results."""

    @impl(FusedOp)
    def run_fused(self, interpreter: Interpreter, op: FusedOp, args: PythonValues) -> PythonValues:
        return interpreter.run_ssacfg_region(op.body, args, "graph.fused")

    @impl_terminator(YieldOp)
    def run_yield(self, interpreter: Interpreter, op: YieldOp, args: PythonValues) -> tuple[ReturnedValues, PythonValues]:
        return ReturnedValues(args), ()


def _graph_functions() -> type[InterpreterFunctions]:
    """One interpreter implementation per graph op, each delegating to the op's `evaluate`."""
    namespace: dict[str, object] = {}
    for op_type in GRAPH_OPS:

        def run(self: InterpreterFunctions, interpreter: Interpreter, op: GraphOp, args: PythonValues) -> PythonValues:
            return op.evaluate(*(np.asarray(a) for a in args))

        namespace[f"run_{op_type.__name__}"] = impl(op_type)(run)
    return register_impls(type("GraphFunctions", (_FusedFunctions,), namespace))


GraphFunctions = _graph_functions()


def run_function(module: ModuleOp, name: str, inputs: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Call the func.func `name` of `module` on numpy inputs; its results as numpy arrays."""
    interpreter = Interpreter(module)
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(GraphFunctions())
    return tuple(np.asarray(r) for r in interpreter.call_op(name, tuple(inputs)))
