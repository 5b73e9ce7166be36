"""The graph dialect: operators on tensors (TVM's Relay level), each with its op pattern kind.

Ops verify and infer their result types, print in a custom form the grammar reads back,
and carry numpy reference semantics (`evaluate`) that the interpreter runs.
"""

from xdsl.ir import Dialect

from tessel.dialects.graph import call, constant_syntax, fused
from tessel.dialects.graph.base import GraphOp, OpPatternKind
from tessel.dialects.graph.call import CallOp
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.elementwise import ELEMENTWISE_OPS
from tessel.dialects.graph.fused import FusedOp, YieldOp
from tessel.dialects.graph.movement import MOVEMENT_OPS
from tessel.dialects.graph.nn import NN_OPS
from tessel.dialects.graph.pool import POOL_OPS
from tessel.dialects.graph.reduce import REDUCE_OPS
from tessel.dialects.graph.shape import SHAPE_OPS
from tessel.dialects.graph.syntax import make_fragment

# Operators with reference semantics.
GRAPH_OPS: tuple[type[GraphOp], ...] = (*ELEMENTWISE_OPS, *SHAPE_OPS, *MOVEMENT_OPS, ConstantOp, *NN_OPS, *POOL_OPS, *REDUCE_OPS)

Graph = Dialect("graph", [*GRAPH_OPS, FusedOp, YieldOp, CallOp], [])

# Every op but graph.constant shares the generic graph form; constant and fused have their own.
FRAGMENTS = (
    make_fragment((*ELEMENTWISE_OPS, *SHAPE_OPS, *MOVEMENT_OPS, *NN_OPS, *POOL_OPS, *REDUCE_OPS)),
    constant_syntax.FRAGMENT,
    fused.FRAGMENT,
    call.FRAGMENT,
)

__all__ = ["FRAGMENTS", "GRAPH_OPS", "CallOp", "ConstantOp", "FusedOp", "Graph", "GraphOp", "OpPatternKind", "YieldOp"]
