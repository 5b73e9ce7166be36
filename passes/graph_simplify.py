"""graph-simplify: fold inference batch_norm into conv2d/dense, drop identity ops, fold constant subgraphs.

    %w = graph.constant ...              %w2 = graph.constant <w * scale>
    %c = graph.conv2d %x, %w      ==>    %b2 = graph.constant <shift> : tensor<Cx1x1xf32>
    %y = graph.batch_norm %c, ...        %c2 = graph.conv2d %x, %w2
                                         %y  = graph.add %c2, %b2

    %t = graph.transpose %x {perm = [1, 0]}  ==>  (uses of %u read %x)
    %u = graph.transpose %t {perm = [1, 0]}

    %a = graph.add %c0, %c1       ==>    %a = graph.constant <c0 + c1>

Ops left without uses are erased (trivial dead-code elimination of pure ops).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tessel.dialects.graph import GraphOp
from tessel.dialects.graph.base import int_list, shape_of
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.elementwise import AddOp
from tessel.dialects.graph.movement import CastOp, ConcatOp, PadOp, SliceOp
from tessel.dialects.graph.nn import BatchNormOp, Conv2dOp, DenseOp
from tessel.dialects.graph.shape import FlattenOp, ReshapeOp, SqueezeOp, TransposeOp, UnsqueezeOp

FLOAT_TYPES = (builtin.Float16Type, builtin.Float32Type, builtin.Float64Type)
FOLDABLE_ELEMENT_TYPES = (*FLOAT_TYPES, builtin.IntegerType)
RESHAPES = (ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp)
"""Ops that keep the row-major element order and only change the shape."""


# ---- helpers


def constant_array(value: SSAValue) -> np.ndarray | None:
    """The numpy value of a graph.constant result with dense (not resource) data; None otherwise."""
    owner = value.owner
    if not isinstance(owner, ConstantOp) or not isinstance(owner.value, builtin.DenseIntOrFPElementsAttr):
        return None
    return owner.evaluate()[0]


def element_type(value: SSAValue) -> Attribute:
    return cast(builtin.TensorType, value.type).element_type


def only_user(value: SSAValue) -> Operation | None:
    """The operation using `value`, if exactly one use exists."""
    if not value.has_one_use():
        return None
    return next(iter(value.uses)).operation


def batch_norm_affine(op: BatchNormOp) -> tuple[np.ndarray, np.ndarray] | None:
    """(scale, shift) with batch_norm(x) = x * scale + shift per channel, in float64; None unless all params are constants."""
    params = [constant_array(v) for v in (op.gamma, op.beta, op.mean, op.variance)]
    if any(p is None for p in params):
        return None
    gamma, beta, mean, variance = (cast(np.ndarray, p).astype(np.float64) for p in params)
    scale = gamma / np.sqrt(variance + op.epsilon_value())
    return scale, beta - mean * scale


def is_identity_permutation(perm: Sequence[int]) -> bool:
    return list(perm) == list(range(len(perm)))


def transpose_permutation(op: TransposeOp) -> list[int]:
    """The op's permutation with the default (reversed dimensions) made explicit."""
    perm = op.permutation()
    return list(reversed(range(len(shape_of(op.input.type, op.name))))) if perm is None else perm


def conv_and_bias(value: SSAValue) -> tuple[Conv2dOp, AddOp | None, np.ndarray | None] | None:
    """`value` as conv2d(x, w) or graph.add(conv2d(x, w), per-channel constant bias), each result used once."""
    producer = value.owner
    if isinstance(producer, Conv2dOp):
        return producer, None, None
    if not isinstance(producer, AddOp):
        return None
    for conv_value, bias_value in ((producer.lhs, producer.rhs), (producer.rhs, producer.lhs)):
        conv = conv_value.owner
        bias = constant_array(bias_value)
        if not isinstance(conv, Conv2dOp) or bias is None or not conv_value.has_one_use():
            continue
        channels = shape_of(conv.result.type, conv.name)[1]
        if bias.shape in ((channels, 1, 1), (1, channels, 1, 1)) and producer.result.type == conv.result.type:
            return conv, producer, bias.reshape(channels)
    return None


# ---- batch_norm folding


class FoldBatchNormIntoConv2d(RewritePattern):
    """batch_norm(conv2d(x, W) [+ b]) with constant W, b and params -> conv2d(x, W') + b'."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: BatchNormOp, rewriter: PatternRewriter) -> None:
        if op.axis_value() != 1 or only_user(op.input) is not op:
            return
        matched = conv_and_bias(op.input)
        if matched is None:
            return
        conv, bias_add, bias = matched
        weight = constant_array(conv.weight)
        affine = batch_norm_affine(op)
        if weight is None or affine is None or not isinstance(element_type(conv.weight), FLOAT_TYPES):
            return
        scale, shift = affine
        channels = weight.shape[0]
        new_bias = shift if bias is None else shift + bias.astype(np.float64) * scale
        weight_type = cast(builtin.AnyFloat, element_type(conv.weight))
        new_weight = ConstantOp.from_array((weight.astype(np.float64) * scale.reshape(-1, 1, 1, 1)), weight_type)
        bias_constant = ConstantOp.from_array(new_bias.reshape(channels, 1, 1), weight_type)
        new_conv = Conv2dOp.create(
            operands=[conv.input, new_weight.result],
            result_types=[conv.result.type],
            properties=dict(conv.properties),
            attributes=dict(conv.attributes),
        )
        add = AddOp(new_conv.result, bias_constant.result)
        new_weight.result.name_hint = conv.weight.name_hint
        new_conv.result.name_hint = conv.result.name_hint
        rewriter.replace(op, [new_weight, bias_constant, new_conv, add], [add.result])
        if bias_add is not None:
            rewriter.erase(bias_add)
        rewriter.erase(conv)


class FoldBatchNormIntoDense(RewritePattern):
    """batch_norm(dense(x, W[, b])) over the last axis with constant W, b and params -> dense(x, W', b')."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: BatchNormOp, rewriter: PatternRewriter) -> None:
        dense = op.input.owner
        if not isinstance(dense, DenseOp) or only_user(op.input) is not op:
            return
        if op.axis_value() != len(shape_of(op.input.type, op.name)) - 1:
            return
        weight = constant_array(dense.weight)
        bias = None if dense.bias is None else constant_array(dense.bias)
        affine = batch_norm_affine(op)
        if weight is None or (dense.bias is not None and bias is None) or affine is None:
            return
        if not isinstance(element_type(dense.weight), FLOAT_TYPES):
            return
        scale, shift = affine
        new_bias = shift if bias is None else shift + bias.astype(np.float64) * scale
        weight_type = cast(builtin.AnyFloat, element_type(dense.weight))
        new_weight = ConstantOp.from_array(weight.astype(np.float64) * scale.reshape(-1, 1), weight_type)
        bias_constant = ConstantOp.from_array(new_bias, weight_type)
        new_dense = DenseOp(dense.input, new_weight.result, bias_constant.result)
        new_dense.attributes |= dense.attributes
        new_weight.result.name_hint = dense.weight.name_hint
        rewriter.replace(op, [new_weight, bias_constant, new_dense], [new_dense.result])
        rewriter.erase(dense)


# ---- identity ops


class DropIdentityReshape(RewritePattern):
    """A reshape, flatten, squeeze or unsqueeze whose result type is its input's type."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, RESHAPES) or op.result.type != op.input.type:
            return
        rewriter.replace(op, [], [op.input])


class FoldReshapeOfReshape(RewritePattern):
    """reshape(reshape-like(x)) -> reshape(x): row-major reshapes compose."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, RESHAPES):
            return
        rewriter.replace(op, ReshapeOp(inner.input, int_list(op.shape)))


class DropIdentityTranspose(RewritePattern):
    """A transpose whose permutation is the identity."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        if not is_identity_permutation(transpose_permutation(op)):
            return
        rewriter.replace(op, [], [op.input])


class FoldTransposeOfTranspose(RewritePattern):
    """transpose(transpose(x, p), q) -> x if the composition is the identity, else transpose(x, p[q])."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TransposeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, TransposeOp):
            return
        inner_perm = transpose_permutation(inner)
        composed = [inner_perm[p] for p in transpose_permutation(op)]
        if is_identity_permutation(composed):
            rewriter.replace(op, [], [inner.input])
            return
        rewriter.replace(op, TransposeOp(inner.input, composed))


class DropIdentityCast(RewritePattern):
    """A cast to the type its input already has."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: CastOp, rewriter: PatternRewriter) -> None:
        if op.result.type != op.input.type:
            return
        rewriter.replace(op, [], [op.input])


class DropZeroPad(RewritePattern):
    """A pad whose pads are all zero."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: PadOp, rewriter: PatternRewriter) -> None:
        if any(int_list(op.pads)) or op.result.type != op.input.type:
            return
        rewriter.replace(op, [], [op.input])


class DropFullSlice(RewritePattern):
    """A slice that takes every element in order."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: SliceOp, rewriter: PatternRewriter) -> None:
        dims = shape_of(op.input.type, op.name)
        if any(range(*bound.indices(size)) != range(size) for bound, size in zip(op.bounds(), dims, strict=True)):
            return
        rewriter.replace(op, [], [op.input])


class DropSingleConcat(RewritePattern):
    """A concat of one operand."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ConcatOp, rewriter: PatternRewriter) -> None:
        if len(op.inputs) != 1:
            return
        rewriter.replace(op, [], [op.inputs[0]])


# ---- constant folding


@dataclass(frozen=True)
class FoldConstantOperands(RewritePattern):
    """A graph op whose operands are all graph.constant results -> constants of its `evaluate` output."""

    max_elements: int

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, GraphOp) or isinstance(op, ConstantOp) or not op.operands:
            return
        result_types = [r.type for r in op.results]
        if not all(
            isinstance(t, builtin.TensorType) and isinstance(t.element_type, FOLDABLE_ELEMENT_TYPES) for t in result_types
        ):
            return
        tensor_types = cast(list[builtin.TensorType], result_types)
        if sum(math.prod(t.get_shape()) for t in tensor_types) > self.max_elements:
            return
        inputs = [constant_array(v) for v in op.operands]
        if any(i is None for i in inputs):
            return
        outputs = op.evaluate(*cast(list[np.ndarray], inputs))
        constants = [
            ConstantOp.from_array(
                np.asarray(o).reshape(t.get_shape()), cast(builtin.IntegerType | builtin.AnyFloat, t.element_type)
            )
            for o, t in zip(outputs, tensor_types, strict=True)
        ]
        rewriter.replace(op, constants, [c.result for c in constants])


@dataclass(frozen=True)
class GraphSimplify(ModulePass):
    """Fold batch_norm into conv2d/dense, drop identity shape ops, fold ops whose operands are all constants."""

    name = "graph-simplify"
    max_fold_elements: int = 1_000_000

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        patterns: list[RewritePattern] = [
            FoldBatchNormIntoConv2d(),
            FoldBatchNormIntoDense(),
            DropIdentityReshape(),
            FoldReshapeOfReshape(),
            DropIdentityTranspose(),
            FoldTransposeOfTranspose(),
            DropIdentityCast(),
            DropZeroPad(),
            DropFullSlice(),
            DropSingleConcat(),
            FoldConstantOperands(self.max_fold_elements),
        ]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
