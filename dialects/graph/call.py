"""graph.call: run a compiled kernel (a te, loop or llvm function of the module) on tensors.

    %y = graph.call @fused_conv2d_relu(%x, %w) : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>

What lower-graph-to-te leaves of a graph function: the kernels it made, called in order. The kernel
takes the operands as its input buffers and writes the results into its output buffers; the graph
runtime allocates the buffers and makes the calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation, irdl_op_definition, prop_def, traits_def, var_operand_def, var_result_def
from xdsl.printer import Printer
from xdsl.traits import Pure

from tessel.dialects.attribute_syntax import symbol_name
from tessel.dialects.syntax import SyntaxFragment, keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object


@irdl_op_definition
class CallOp(IRDLOperation):
    """Calls the kernel `callee` on tensor operands; its results are the kernel's output buffers."""

    name = "graph.call"
    args = var_operand_def(builtin.TensorType)
    outputs = var_result_def(builtin.TensorType)
    callee = prop_def(builtin.SymbolRefAttr)
    traits = traits_def(Pure())

    def __init__(self, callee: str, args: Sequence[SSAValue], result_types: Sequence[Attribute]):
        super().__init__(operands=[args], result_types=[result_types], properties={"callee": builtin.SymbolRefAttr(callee)})

    @property
    def kernel(self) -> str:
        return self.callee.root_reference.data

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.kernel)
        printer.print_string("(")
        printer.print_list(self.args, printer.print_operand)
        printer.print_string(") : ")
        printer.print_function_type(self.operand_types, self.result_types)


def is_kernel_graph(op: Operation) -> bool:
    """Whether `op` is a graph function lowered to kernel calls: a func.func of graph.constant, graph.call
    and func.return only (what the graph runtime executes; code generators leave it alone)."""
    from xdsl.dialects import func

    from tessel.dialects.graph.constant import ConstantOp

    if not isinstance(op, func.FuncOp):
        return False
    signature = op.function_type
    tensors = all(isinstance(t, builtin.TensorType) for t in (*signature.inputs, *signature.outputs))
    return tensors and all(isinstance(o, ConstantOp | CallOp | func.ReturnOp) for o in op.body.ops)


_DEFINITIONS, _CALL = keywords(["graph.call"])


class CallCallbacks(_Base):
    def graph_call(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, symbol, uses, signature = cast(tuple[Token, Token, list[Token] | None, builtin.FunctionType], children)
        operands = self.uses(uses, signature.inputs.data, keyword, "graph.call")
        return CallOp(symbol_name(symbol), operands, signature.outputs.data), keyword


FRAGMENT = SyntaxFragment(
    name="graph.call",
    grammar=f'{_DEFINITIONS}\ngraph_call: {_CALL} SYMBOL_REF "(" [value_uses] ")" ":" function_type',
    roots=("graph_call",),
    callbacks=CallCallbacks,
    custom_format_ops=frozenset({CallOp}),
)
