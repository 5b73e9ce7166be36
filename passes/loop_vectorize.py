"""loop-vectorize: loops of kind `vectorized` become vector code over `width` lanes, plus a scalar epilogue.

    loop.for %i = 0 to 20 vectorized {        loop.for %i = 0 to 16 step 8 {
      %a = loop.load %A[%r, %i]                 %a = "vector.load"(%A, %r, %i) : (...) -> vector<8xf32>
      %s = arith.addf %a, %x : f32      ==>     %x8 = "vector.broadcast"(%x) : (f32) -> vector<8xf32>
      loop.store %s, %B[%r, %i]                 %s = arith.addf %a, %x8 : vector<8xf32>
    }                                           "vector.store"(%s, %B, %r, %i) : (...) -> ()
                                              }
                                              loop.for %i = 16 to 20 { the scalar body }

A loop vectorizes when its step is 1 and its body is straight-line code of loads, stores, index
arithmetic (loop.apply, index arith) and elementwise arith/math ops, where
  * every load or store that depends on the loop variable %i is contiguous: %i appears with
    coefficient 1 in the last index, outside any floordiv/mod, and in no other index (vector.load /
    vector.store at lane 0's indices); loads at loop-invariant addresses stay scalar;
  * no store goes to a loop-invariant address (a reduction), and every buffer the body stores to is
    accessed at one address per iteration (so no iteration reads what another writes);
  * %i and the index arithmetic on it serve only as addresses, never as data;
  * each op on lane-varying data has a vector form that xDSL 0.74 verifies (arith.cmpf/cmpi/select
    on vector<..xi1> and the int<->float casts do not: such loops stay scalar).
Loop-invariant operands of vector ops are broadcast. The vector loop and the epilogue are serial; a
loop that cannot vectorize becomes serial with the reason in its `not_vectorized` annotation.
Function arguments are assumed not to alias (as TVM assumes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects import arith, builtin, vector
from xdsl.dialects.builtin import AnyFloat, IndexType, IntegerAttr, IntegerType, StringAttr, VectorType
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import is_side_effect_free
from xdsl.utils.exceptions import PassFailedException, VerifyException

from tessel.dialects import loop
from tessel.passes.loop_support.index_sums import INDEX_OPS, IndexAnalysis, Sum
from tessel.passes.loop_support.rewriting import loops_inner_first, with_annotation

_NO_VECTOR_FORM = {
    loop.ForOp: "contains a nested loop",
    loop.IfOp: "contains a loop.if",
    loop.CallOp: "calls an intrinsic (loop.call)",
    loop.DmaCopyOp: "contains a DMA copy",
    loop.BarrierOp: "contains a barrier",
    loop.AllocOp: "allocates a buffer",
}


@dataclass(frozen=True)
class LoopVectorizePass(ModulePass):
    """Loops of kind vectorized strip-mined into vector ops of `width` lanes and a scalar epilogue."""

    name = "loop-vectorize"
    width: int = 8
    """Lanes per vector."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if self.width < 1:
            raise PassFailedException(f"loop-vectorize: width must be at least 1, got {self.width}")
        for for_op in loops_inner_first(op):
            if for_op.kind.data != "vectorized":
                continue
            plan = plan_vectorization(for_op, self.width)
            if isinstance(plan, str):
                for_op.kind = StringAttr("serial")
                with_annotation(for_op, "not_vectorized", StringAttr(plan))
            else:
                vectorize(for_op, plan)


@dataclass
class VectorPlan:
    """How a loop's body becomes vector code."""

    width: int
    varying: set[SSAValue] = field(default_factory=set)
    """Data that differs per lane: becomes vectors."""
    addresses: set[SSAValue] = field(default_factory=set)
    """Index values computed from the loop variable: computed once, for lane 0."""
    vector_accesses: set[Operation] = field(default_factory=set)
    """Loads and stores that become vector.load / vector.store."""


class _NotVectorizable(Exception):
    """Why a loop stays scalar."""


def plan_vectorization(for_op: loop.ForOp, width: int) -> VectorPlan | str:
    """The plan for vectorizing `for_op`, or the reason it cannot be."""
    try:
        return _Planner(for_op, width).plan()
    except _NotVectorizable as reason:
        return str(reason)


class _Planner:
    def __init__(self, for_op: loop.ForOp, width: int) -> None:
        self.for_op = for_op
        self.iv = for_op.induction_var
        lb, _, _ = for_op.bounds
        self.analysis = IndexAnalysis(for_op, {self.iv: (lb, lb + max(0, for_op.trip_count - 1))})
        self.result = VectorPlan(width)
        self.accesses: dict[SSAValue, list[tuple[Operation, tuple[Sum, ...]]]] = {}

    def plan(self) -> VectorPlan:
        if self.for_op.bounds[2] != 1:
            raise _NotVectorizable(f"step {self.for_op.bounds[2]} is not 1")
        for op in self.for_op.body.block.ops:
            self._classify(op)
        self._check_dependences()
        return self.result

    def _lane_dependent(self, value: SSAValue) -> bool:
        return value is self.iv or value in self.result.addresses or value in self.result.varying

    def _classify(self, op: Operation) -> None:
        reason = next((why for kind, why in _NO_VECTOR_FORM.items() if isinstance(op, kind)), None)
        if reason is not None:
            raise _NotVectorizable(reason)
        if op.dialect_name() == "vector":
            raise _NotVectorizable("already holds vector ops")
        if op.regions:
            raise _NotVectorizable(f"contains '{op.name}' with regions")
        if isinstance(op, loop.LoadOp):
            if self._access(op, op.buffer, op.indices, is_store=False):
                self.result.varying.add(op.result)
            return
        if isinstance(op, loop.StoreOp):
            self._access(op, op.buffer, op.indices, is_store=True)
            return
        dependent = [v for v in op.operands if self._lane_dependent(v)]
        if not dependent:
            if not is_side_effect_free(op):
                raise _NotVectorizable(f"cannot vectorize '{op.name}' (it has effects)")
            return  # loop-invariant: stays scalar, runs once per vector iteration
        if isinstance(op, INDEX_OPS) and all(isinstance(r.type, IndexType) for r in op.results):
            self.result.addresses.update(op.results)
            return
        if any(isinstance(v.type, IndexType) for v in dependent) or any(isinstance(r.type, IndexType) for r in op.results):
            raise _NotVectorizable(f"'{op.name}' uses the loop variable as a value")
        if op.dialect_name() not in ("arith", "math"):
            raise _NotVectorizable(f"cannot vectorize '{op.name}'")
        _check_vector_form(op, self._varying_operand_mask(op), self.result.width)
        self.result.varying.update(op.results)

    def _varying_operand_mask(self, op: Operation) -> list[bool]:
        """Which operands become vectors: varying ones, and every operand but a select's uniform condition."""
        if isinstance(op, arith.SelectOp) and not self._lane_dependent(op.cond):
            return [False, True, True]
        return [True] * len(op.operands)

    def _access(self, op: Operation, buffer: SSAValue, indices: Sequence[SSAValue], is_store: bool) -> bool:
        """Check one load or store; True when it becomes a vector access."""
        sums = tuple(self.analysis.sum_of(index) for index in indices)
        self.accesses.setdefault(buffer, []).append((op, sums))
        name = _value_name(buffer)
        lane_values = self.result.addresses | self.result.varying
        if any(not s.atoms().isdisjoint(lane_values) for s in sums):
            raise _NotVectorizable(f"gathered access to {name} (index arithmetic the pass cannot follow)")
        uses_iv = [self.iv in s.atoms() for s in sums]
        if not any(uses_iv):
            if is_store:
                raise _NotVectorizable(f"stores to a loop-invariant address of {name} (a reduction)")
            return False
        last = sums[-1] if sums else None
        contiguous = (
            last is not None
            and last.coefficient_outside_quotients(self.iv) == 1
            and not last.in_quotient(self.iv)
            and not any(uses_iv[:-1])
        )
        if not contiguous:
            raise _NotVectorizable(f"strided or gathered access to {name}")
        element_type = buffer.type.element_type  # type: ignore[attr-defined]
        if not isinstance(element_type, IntegerType | AnyFloat):
            raise _NotVectorizable(f"{name} holds {element_type}, which vectors cannot")
        self.result.vector_accesses.add(op)
        return True

    def _check_dependences(self) -> None:
        """A buffer the body stores to must be accessed at a single address per iteration."""
        for buffer, accesses in self.accesses.items():
            stored = any(isinstance(op, loop.StoreOp) for op, _ in accesses)
            if stored and len({sums for _, sums in accesses}) > 1:
                raise _NotVectorizable(f"possible dependence between iterations through {_value_name(buffer)}")


def _value_name(value: SSAValue) -> str:
    return f"%{value.name_hint}" if value.name_hint else "a buffer"


def _vector_type(scalar: Attribute, width: int) -> VectorType:
    return VectorType(scalar, [width])


def _vector_op(op: Operation, operands: Sequence[SSAValue], width: int) -> Operation:
    """`op` over vectors: the same op with vector result types (operands given)."""
    return type(op).create(
        operands=list(operands),
        result_types=[_vector_type(t, width) for t in op.result_types],
        properties=dict(op.properties),
        attributes=dict(op.attributes),
    )


def _check_vector_form(op: Operation, vector_operands: Sequence[bool], width: int) -> None:
    """Raise _NotVectorizable when xDSL does not verify the vector form of `op`."""
    types = [
        _vector_type(v.type, width) if is_vector else v.type for v, is_vector in zip(op.operands, vector_operands, strict=True)
    ]
    scratch = Block(arg_types=types)
    prototype = _vector_op(op, scratch.args, width)
    try:
        prototype.verify()
    except VerifyException as err:
        shown = ", ".join(str(t) for t in types)
        raise _NotVectorizable(f"'{op.name}' on ({shown}) has no vector form xDSL verifies") from err
    finally:
        prototype.erase()


def vectorize(for_op: loop.ForOp, plan: VectorPlan) -> None:
    """Emit the vector loop before `for_op`; `for_op` keeps the remaining iterations, serial."""
    lb, ub, _ = for_op.bounds
    main = (ub - lb) // plan.width * plan.width
    if main:
        vector_loop = loop.ForOp(lb, lb + main, plan.width, "serial")
        vector_loop.induction_var.name_hint = for_op.induction_var.name_hint
        Rewriter.insert_op(vector_loop, InsertPoint.before(for_op))
        _VectorBodyBuilder(plan, vector_loop).emit(for_op)
    if main == ub - lb:
        Rewriter.erase_op(for_op)
        return
    for_op.lb = IntegerAttr(lb + main, IndexType())
    for_op.kind = StringAttr("serial")


class _VectorBodyBuilder:
    def __init__(self, plan: VectorPlan, vector_loop: loop.ForOp) -> None:
        self.plan = plan
        self.block = vector_loop.body.block
        self.scalars: dict[SSAValue, SSAValue] = {}
        self.vectors: dict[SSAValue, SSAValue] = {}
        self.broadcasts: dict[SSAValue, SSAValue] = {}
        self.vector_iv = vector_loop.induction_var
        self.loop_op = vector_loop

    def emit(self, for_op: loop.ForOp) -> None:
        self.scalars[for_op.induction_var] = self.vector_iv
        for op in for_op.body.block.ops:
            self._emit_op(op)

    def _add(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def _scalar(self, value: SSAValue) -> SSAValue:
        return self.scalars.get(value, value)

    def _vector(self, value: SSAValue) -> SSAValue:
        """The vector of a varying value, else the broadcast of a loop-invariant one."""
        if value in self.plan.varying:
            return self.vectors[value]
        if value not in self.broadcasts:
            broadcast = vector.BroadcastOp(self._scalar(value), _vector_type(value.type, self.plan.width))
            if value in self.scalars:  # defined in the body: broadcast there
                self._add(broadcast)
            else:  # defined before the loop: broadcast once, before the vector loop
                Rewriter.insert_op(broadcast, InsertPoint.before(self.loop_op))
            self.broadcasts[value] = broadcast.vector
        return self.broadcasts[value]

    def _emit_op(self, op: Operation) -> None:
        width = self.plan.width
        if isinstance(op, loop.LoadOp) and op in self.plan.vector_accesses:
            indices = [self._scalar(i) for i in op.indices]
            load = self._add(vector.LoadOp(op.buffer, indices, _vector_type(op.result.type, width)))
            load.results[0].name_hint = op.result.name_hint
            self.vectors[op.result] = load.results[0]
        elif isinstance(op, loop.StoreOp) and op in self.plan.vector_accesses:
            self._add(vector.StoreOp(self._vector(op.value), op.buffer, [self._scalar(i) for i in op.indices]))
        elif op.results and op.results[0] in self.plan.varying:
            keep_scalar = isinstance(op, arith.SelectOp) and op.cond not in self.plan.varying
            operands = [
                self._scalar(v) if keep_scalar and position == 0 else self._vector(v) for position, v in enumerate(op.operands)
            ]
            new_op = self._add(_vector_op(op, operands, width))
            for old, new in zip(op.results, new_op.results, strict=True):
                new.name_hint = old.name_hint
                self.vectors[old] = new
        else:
            self._add(op.clone(self.scalars))
