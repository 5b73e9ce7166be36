"""fuse-ops: group graph ops into `graph.fused` regions by TVM's fusion rules (relay FuseOps).

    %0 = graph.conv2d %x, %w          %1 = graph.fused "conv2d_add_relu" kind = out_elemwise_fusable (%x, %w, %b) {
    %1 = graph.add %0, %b      ==>      graph.conv2d; graph.add; graph.relu; graph.yield }
    %2 = graph.relu %1

Each op is a node of the function's dataflow graph; an op fuses into its immediate
post-dominator when every op on the paths between them has a pattern the rules allow:
  phase 0: an out-elemwise-fusable op (conv2d, dense) takes the elementwise/broadcast
           chain that follows it;
  phase 1: elementwise/broadcast ops fuse into injective or reduction consumers, and
           injective ops into injective consumers.
Opaque ops never fuse, so no group spans one and no cycle is created (fusing along
post-dominator paths keeps every group's inputs outside it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects.graph import FusedOp, GraphOp, OpPatternKind, YieldOp
from tessel.dialects.graph.constant import ConstantOp

ELEMWISE, BROADCAST, INJECTIVE = OpPatternKind.ELEMWISE, OpPatternKind.BROADCAST, OpPatternKind.INJECTIVE
COMM_REDUCE, OUT_FUSABLE, OPAQUE = OpPatternKind.COMM_REDUCE, OpPatternKind.OUT_ELEMWISE_FUSABLE, OpPatternKind.OPAQUE


@dataclass(eq=False)
class _Node:
    """One op of the dataflow graph, with its consumers and (once built) its post-dominator."""

    index: int
    op: Operation
    pattern: OpPatternKind
    consumers: list[tuple[_Node, OpPatternKind]] = field(default_factory=list)
    escapes: bool = False
    """A result leaves the function (or is used by a non-graph op): the node post-dominates nothing."""
    ipdom: _Node | None = None
    ipdom_pattern: OpPatternKind = ELEMWISE
    depth: int = 1


@dataclass(eq=False)
class _Group:
    """A union-find set of nodes being fused; the root holds the combined pattern."""

    pattern: OpPatternKind
    parent: _Group | None = None
    size: int = 1

    def root(self) -> _Group:
        group = self
        while group.parent is not None:
            group = group.parent
        return group


def _edge_pattern(consumer: GraphOp, operand: SSAValue) -> OpPatternKind:
    """A broadcast consumer whose operand already has the result's shape acts elementwise (TVM)."""
    pattern = consumer.PATTERN_KIND
    if pattern == BROADCAST and operand.type == consumer.results[0].type:
        return ELEMWISE
    return pattern


def _node_pattern(op: Operation) -> OpPatternKind:
    if isinstance(op, ConstantOp) or not isinstance(op, GraphOp):
        return OPAQUE
    return op.PATTERN_KIND


class _Fuser:
    """TVM's GraphPartitioner over one block."""

    def __init__(self, block: Block, max_group_size: int):
        self.max_group_size = max_group_size
        self.nodes = [_Node(i, op, _node_pattern(op)) for i, op in enumerate(block.ops)]
        by_op = {node.op: node for node in self.nodes}
        for node in self.nodes:
            for result in node.op.results:
                for use in result.uses:
                    consumer = by_op.get(use.operation)
                    if consumer is None or not isinstance(use.operation, GraphOp):
                        node.escapes = True
                    else:
                        node.consumers.append((consumer, _edge_pattern(use.operation, result)))
        self._build_post_dominators()
        self.groups = [_Group(node.pattern) for node in self.nodes]

    # ---- post-dominator tree: each node's immediate post-dominator is the LCA of its consumers
    def _build_post_dominators(self) -> None:
        for node in reversed(self.nodes):
            if node.escapes or not node.consumers:
                node.ipdom, node.ipdom_pattern, node.depth = None, OPAQUE, 1
                continue
            pattern = ELEMWISE
            parent: _Node | None = None
            for position, (consumer, edge) in enumerate(node.consumers):
                pattern = max(pattern, edge)
                if position == 0:
                    parent = consumer
                else:
                    parent, pattern = self._common_ancestor(parent, consumer, pattern)
            node.ipdom, node.ipdom_pattern = parent, pattern
            node.depth = parent.depth + 1 if parent is not None else 1

    @staticmethod
    def _common_ancestor(lhs: _Node | None, rhs: _Node | None, pattern: OpPatternKind) -> tuple[_Node | None, OpPatternKind]:
        while lhs is not rhs:
            if lhs is None or rhs is None:
                return None, pattern
            if lhs.depth < rhs.depth:
                pattern, rhs = max(pattern, rhs.ipdom_pattern), rhs.ipdom
            elif rhs.depth < lhs.depth:
                pattern, lhs = max(pattern, lhs.ipdom_pattern), lhs.ipdom
            else:
                pattern = max(pattern, lhs.ipdom_pattern, rhs.ipdom_pattern)
                lhs, rhs = lhs.ipdom, rhs.ipdom
        return lhs, pattern

    # ---- paths and merging
    def _check_path(self, source: _Node, sink: _Node, allowed: Callable[[OpPatternKind, bool], bool]) -> bool:
        """Whether every node on the paths from `source` to `sink` has a pattern `allowed` accepts."""
        visited: set[int] = set()

        def visit(node: _Node) -> bool:
            if node.index in visited:
                return True
            visited.add(node.index)
            pattern = self.groups[node.index].pattern  # the node's own group, as TVM reads it
            if node is sink:
                return allowed(pattern, True)
            if not allowed(pattern, False):
                return False
            return all(visit(consumer) for consumer, _ in node.consumers)

        return all(visit(consumer) for consumer, _ in source.consumers)

    def _commit(self, source: _Node, sink: _Node) -> None:
        target = self.groups[sink.index]
        visited: set[int] = set()

        def merge(node: _Node) -> None:
            if node.index in visited:
                return
            visited.add(node.index)
            child, parent = self.groups[node.index].root(), target.root()
            if child is not parent:
                parent.size += child.size
                child.parent = parent
                parent.pattern = max(parent.pattern, child.pattern)
            if node is not sink:
                for consumer, _ in node.consumers:
                    merge(consumer)

        merge(source)

    def _group_size_after(self, source: _Node, sink: _Node) -> int:
        return self.groups[source.index].root().size + self.groups[sink.index].root().size

    def run(self) -> list[_Group]:
        for phase in (0, 1):
            for node in self.nodes:
                self._try_fuse(node, phase)
        return [self.groups[n.index].root() for n in self.nodes]

    def _try_fuse(self, node: _Node, phase: int) -> None:
        group = self.groups[node.index]  # the node's own group: a root's pattern includes what it absorbed
        sink = node.ipdom
        if group.pattern == OPAQUE or sink is None or self.groups[sink.index].root() is group.root():
            return
        if self._group_size_after(node, sink) > self.max_group_size:
            return
        if group.pattern == OUT_FUSABLE:
            if phase == 0 and node.ipdom_pattern == ELEMWISE and self._check_path(node, sink, lambda k, _: k <= BROADCAST):
                self._commit(node, sink)
        elif group.pattern <= BROADCAST:
            if node.ipdom_pattern <= INJECTIVE or node.ipdom_pattern == COMM_REDUCE:

                def allowed(kind: OpPatternKind, is_sink: bool) -> bool:
                    # parallel branches may be injective; the sink may already anchor a conv2d group
                    return kind <= INJECTIVE or (is_sink and kind in (COMM_REDUCE, OUT_FUSABLE))

                if self._check_path(node, sink, allowed):
                    self._commit(node, sink)
        elif group.pattern == INJECTIVE:
            if phase == 1 and self._check_path(node, sink, lambda k, _: k <= INJECTIVE):
                self._commit(node, sink)


def _outline(members: list[Operation], pattern: OpPatternKind) -> None:
    """Replace `members` (in block order) by one graph.fused op placed at the last member."""
    member_set = set(members)
    inputs: list[SSAValue] = []
    for op in members:
        for operand in op.operands:
            if operand.owner not in member_set and operand not in inputs:
                inputs.append(operand)
    outputs = [r for op in members for r in op.results if any(u.operation not in member_set for u in r.uses)]
    body = Block(arg_types=[v.type for v in inputs])
    for value, argument in zip(inputs, body.args, strict=True):
        argument.name_hint = value.name_hint  # keep the text readable: %x outside is %x inside
    last = members[-1]
    name = "_".join(op.name.removeprefix("graph.") for op in members)
    fused = FusedOp(name, pattern, inputs, [o.type for o in outputs], Region(body))
    Rewriter.insert_op(fused, InsertPoint.after(last))
    for op in members:
        op.detach()
        body.add_op(op)
    for value, argument in zip(inputs, body.args, strict=True):
        for use in list(value.uses):
            if use.operation in member_set:
                use.operation.operands[use.index] = argument
    for output, result in zip(outputs, fused.results, strict=True):
        for use in list(output.uses):
            if use.operation not in member_set:
                use.operation.operands[use.index] = result
    body.add_op(YieldOp(*outputs))


def fuse_block(block: Block, max_group_size: int) -> None:
    """Fuse the graph ops of one block (a function body)."""
    roots = _Fuser(block, max_group_size).run()
    members: dict[int, list[Operation]] = {}
    patterns: dict[int, OpPatternKind] = {}
    for op, group in zip(list(block.ops), roots, strict=True):
        members.setdefault(id(group), []).append(op)
        patterns[id(group)] = group.pattern
    for key, ops in members.items():
        if len(ops) > 1:
            _outline(ops, patterns[key])


@dataclass(frozen=True)
class FuseOps(ModulePass):
    """Group graph ops into graph.fused regions, following TVM's op-pattern fusion rules."""

    name = "fuse-ops"
    max_group_size: int = 256

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        functions: Iterable[func.FuncOp] = [f for f in op.walk() if isinstance(f, func.FuncOp)]
        for function in functions:
            if function.body.blocks:
                fuse_block(function.body.block, self.max_group_size)
