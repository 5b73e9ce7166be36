"""Runs graph-dialect functions on numpy arrays with xDSL's interpreter, using each op's `evaluate`.

graph.call runs its kernel with the interpreter of the kernel's dialect: a te function with the te
interpreter, a loop.func with the loop interpreter (output buffers zero-filled). So the IR before and
after lower-graph-to-te (and lower-te-to-loop) runs, and property tests compare the two.
"""

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
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import InterpretationError

from tessel.dialects.graph import GRAPH_OPS, CallOp, FusedOp, GraphOp, YieldOp
from tessel.dialects.graph.dtypes import numpy_dtype


class _FusedFunctions(InterpreterFunctions):
    """A fused group runs its body; graph.yield hands back the group's results."""

    @impl(FusedOp)
    def run_fused(self, interpreter: Interpreter, op: FusedOp, args: PythonValues) -> PythonValues:
        return interpreter.run_ssacfg_region(op.body, args, "graph.fused")

    @impl_terminator(YieldOp)
    def run_yield(self, interpreter: Interpreter, op: YieldOp, args: PythonValues) -> tuple[ReturnedValues, PythonValues]:
        return ReturnedValues(args), ()


class _CallFunctions(InterpreterFunctions):
    """graph.call: the kernel's own interpreter on the operands."""

    @impl(CallOp)
    def run_call(self, interpreter: Interpreter, op: CallOp, args: PythonValues) -> PythonValues:
        from tessel.dialects import loop
        from tessel.dialects.loop.interpreter import run_loop_function
        from tessel.dialects.te.interpreter import run_te_function

        module = op.get_toplevel_object()
        assert isinstance(module, ModuleOp)
        callee = SymbolTable.lookup_symbol(module, op.kernel)
        inputs = [np.asarray(a) for a in args]
        if isinstance(callee, loop.FuncOp):
            outputs = [np.zeros(t.get_shape(), numpy_dtype(t.element_type)) for t in op.result_types]  # type: ignore[attr-defined]
            run_loop_function(module, op.kernel, [*inputs, *outputs])
            return tuple(outputs)
        if callee is None:
            raise InterpretationError(f"graph.call: no kernel @{op.kernel} in the module")
        return tuple(run_te_function(module, op.kernel, inputs))


def _graph_functions() -> type[InterpreterFunctions]:
    """One interpreter implementation per graph op, each delegating to the op's `evaluate`."""
    namespace: dict[str, object] = {}
    for op_type in GRAPH_OPS:

        def run(self: InterpreterFunctions, interpreter: Interpreter, op: GraphOp, args: PythonValues) -> PythonValues:
            return op.evaluate(*(np.asarray(a) for a in args))

        namespace[f"run_{op_type.__name__}"] = impl(op_type)(run)
    return register_impls(type("GraphFunctions", (_FusedFunctions, _CallFunctions), namespace))


GraphFunctions = _graph_functions()


def run_function(module: ModuleOp, name: str, inputs: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Call the func.func `name` of `module` on numpy inputs; its results as numpy arrays."""
    interpreter = Interpreter(module)
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(GraphFunctions())
    return tuple(np.asarray(r) for r in interpreter.call_op(name, tuple(inputs)))
