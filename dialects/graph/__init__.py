"""The graph dialect: operators on tensors (TVM's Relay level), each with its op pattern kind.

Ops verify and infer their result types, print in a custom form the grammar reads back,
and carry numpy reference semantics (`evaluate`) that the interpreter runs.
"""

from xdsl.ir import Dialect

from tessel.dialects.graph.base import GraphOp, OpPatternKind
from tessel.dialects.graph.elementwise import ELEMENTWISE_OPS
from tessel.dialects.graph.syntax import make_fragment

GRAPH_OPS: tuple[type[GraphOp], ...] = (*ELEMENTWISE_OPS,)

Graph = Dialect("graph", list(GRAPH_OPS), [])

FRAGMENT = make_fragment(GRAPH_OPS)

__all__ = ["FRAGMENT", "GRAPH_OPS", "Graph", "GraphOp", "OpPatternKind"]
