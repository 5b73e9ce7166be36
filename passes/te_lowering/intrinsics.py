"""Reference bodies of tensor intrinsics' hardware calls, as `loop.func intrinsic` definitions.

`compute` writes the declared behaviour, `reset` the reducer's identity, `update` accumulates the
behaviour into the output. Their arguments are the call's buffers in the declared order.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import builtin
from xdsl.ir import Block, Region, SSAValue
from xdsl.ir.affine import AffineExpr

from tessel.dialects import loop, te
from tessel.passes.te_lowering.bounds import infer_bounds
from tessel.passes.te_lowering.codegen import Buffer, NestBuilder
from tessel.passes.te_lowering.stages import ScheduleError, Stage


def intrinsic_functions(intrinsics: Sequence[te.IntrinOp]) -> list[loop.FuncOp]:
    functions: dict[str, loop.FuncOp] = {}
    for intrin in intrinsics:
        lowering = intrin.lowering
        calls = [(lowering.compute_callee, lowering.compute_args, True, True)]
        if lowering.reset_callee is not None and lowering.update_callee is not None:
            calls += [
                (lowering.reset_callee, lowering.reset_args, True, False),
                (lowering.update_callee, lowering.update_args, False, True),
            ]
        for callee, args, init, update in calls:
            name = callee.root_reference.data
            if name not in functions:
                functions[name] = _reference_body(intrin, name, list(args), init, update)
    return list(functions.values())


def _reference_body(intrin: te.IntrinOp, name: str, args: list[SSAValue], init: bool, update: bool) -> loop.FuncOp:
    compute = intrin.compute
    arg_types = [builtin.MemRefType(a.type.element_type, a.type.get_shape()) for a in args]  # type: ignore[attr-defined]
    block = Block(arg_types=arg_types)
    buffers = {}
    for tensor, arg in zip(args, block.args, strict=True):
        arg.name_hint = tensor.name_hint
        buffers[tensor] = Buffer(arg, [AffineExpr.constant(0)] * arg.type.get_num_dims())  # type: ignore[attr-defined]
    if update:
        read = {op.tensor for op in compute.walk() if isinstance(op, te.ReadOp)}
        missing = [t for t in read if t not in buffers]
        if missing:
            raise ScheduleError(
                f"te.intrin @{intrin.sym_name.data}: the call @{name} does not pass every tensor the behaviour reads", intrin
            )
    stage = Stage(name=compute.tensor_name.data, tensor=compute.result, compute=compute, is_output=True)
    stage.reset_axes()
    bounds = infer_bounds([stage], {stage: []})
    builder = NestBuilder(bounds, {}, buffers)
    builder.block = block
    builder.emit_stage(stage, init=init or not compute.reduce_shape, update=update)
    return loop.FuncOp(name, arg_types, Region(block), intrinsic=True)
