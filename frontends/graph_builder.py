"""Build graph-dialect functions from Python: `g.conv2d(x, w, strides=[2, 2])` creates the IR op.

    g = GraphBuilder("model")
    x = g.input("x", (1, 3, 8, 8))
    w = g.weights(np.ones((4, 3, 3, 3), np.float32), "w")
    y = g.relu(g.conv2d(x, w, padding=[1, 1, 1, 1]))
    module = g.build(y)          # builtin.module { func.func @model(%x: ...) -> ... }

Every graph op is available as a method named after it (`graph.leaky_relu` -> `g.leaky_relu`);
its arguments are the op's Python constructor's (values first, then parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Operation, Region, SSAValue

from tessel.dialects.graph import GRAPH_OPS, GraphOp
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.dtypes import tensor_type

_OPS_BY_METHOD: dict[str, type[GraphOp]] = {op.name.removeprefix("graph."): op for op in GRAPH_OPS}


class GraphBuilder:
    """Accumulates graph ops into one function; `build` returns it in a module."""

    def __init__(self, name: str = "main"):
        self.name = name
        self._block = Block()
        self._input_names: list[str] = []

    def input(self, name: str, shape: Sequence[int], dtype: np.dtype | str | type = np.float32) -> SSAValue:
        """A new function argument of the given shape and element type."""
        if name in self._input_names:
            raise ValueError(f"graph builder: input '{name}' is defined twice")
        argument = self._block.insert_arg(tensor_type(tuple(shape), dtype), len(self._block.args))
        argument.name_hint = name
        self._input_names.append(name)
        return argument

    def weights(self, array: np.ndarray, name: str | None = None) -> SSAValue:
        """A graph.constant holding `array` (large ones print as named resources)."""
        constant = ConstantOp.from_array(np.asarray(array))
        constant.results[0].name_hint = name
        result = self.emit(constant)
        assert isinstance(result, SSAValue)
        return result

    def emit(self, op: Operation) -> SSAValue | tuple[SSAValue, ...]:
        """Append an already-built op; its one result, or all of them."""
        self._block.add_op(op)
        return op.results[0] if len(op.results) == 1 else tuple(op.results)

    def _emit(self, op_type: type[GraphOp], values: Sequence[SSAValue], parameters: dict[str, object]) -> SSAValue:
        result = self.emit(op_type(*values, **parameters))
        assert isinstance(result, SSAValue)
        return result

    def __getattr__(self, method: str) -> Callable[..., SSAValue]:
        op_type = _OPS_BY_METHOD.get(method)
        if op_type is None:
            raise AttributeError(f"graph builder has no op '{method}'; graph ops: {', '.join(sorted(_OPS_BY_METHOD))}")
        return lambda *values, **parameters: self._emit(op_type, values, parameters)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *_OPS_BY_METHOD]

    def build(self, *outputs: SSAValue) -> builtin.ModuleOp:
        """The function returning `outputs`, verified, in a new module. The builder is spent afterwards."""
        if not outputs:
            raise ValueError("graph builder: build() needs at least one output value")
        block = self._block
        block.add_op(func.ReturnOp(*outputs))
        function = func.FuncOp(self.name, ([a.type for a in block.args], [o.type for o in outputs]), Region(block))
        module = builtin.ModuleOp([function])
        module.verify()
        self._block = Block()
        return module
