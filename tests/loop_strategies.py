"""Hypothesis strategies for loop programs, and the check that a loop pass keeps what a program computes.

`loop_programs()` draws one valid loop.func over f32 buffers: nested loops of random kinds, bounds
(including 0 and 1 iterations) and steps; loads and stores at random affine indices that stay in bounds
(chains of loop.apply, floordiv/mod of fused indices, index constants and arith); loop.if guards some of
which the loop ranges decide; local buffers filled before they are read; and loops shaped for
vectorization (accesses contiguous in the loop variable), sometimes with what stops it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import FloatAttr, IndexType, IntegerAttr, MemRefType, ModuleOp, f32
from xdsl.ir import Block, Operation, SSAValue
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import VerifyException

import tessel
from tessel.dialects import loop
from tessel.dialects.loop.interpreter import LoopInterpreterError, run_loop_function

from .te_schedule_strategies import Program, scheduled_programs

KINDS = ("serial", "parallel", "vectorized", "unrolled", "vthread", "thread")
THREADS = ("threadIdx.x", "threadIdx.y", "blockIdx.x")


@dataclass
class LoopProgram:
    """A module holding one loop.func `name`; prints as its IR."""

    module: ModuleOp
    name: str = "main"

    def __repr__(self) -> str:
        return tessel.print_ir(self.module)


def random_buffers(function: loop.FuncOp, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [tuple(t.get_shape()) for t in function.function_type.inputs.data]  # type: ignore[attr-defined]
    return [rng.uniform(-2, 2, shape).astype(np.float32) for shape in shapes]


def function_named(module: ModuleOp, name: str) -> loop.FuncOp:
    return next(op for op in module.walk() if isinstance(op, loop.FuncOp) and op.sym_name.data == name)


def run_program(module: ModuleOp, name: str, buffers: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run @name on copies of `buffers`, each viewed with the shape the function's type now has (flattening)."""
    copies = [b.copy() for b in buffers]
    arg_types = function_named(module, name).function_type.inputs.data
    views = [c.reshape(tuple(t.get_shape())) for c, t in zip(copies, arg_types, strict=True)]  # type: ignore[attr-defined]
    run_loop_function(module, name, views)
    return copies


def assert_loop_pass_preserves(
    apply_pass: ModulePass | Callable[[ModuleOp], None], program: LoopProgram, seed: int = 0
) -> ModuleOp:
    """The program computes the same buffers before and after the pass; returns the transformed module."""
    module = program.module
    module.verify()
    before = tessel.print_ir(module)
    buffers = random_buffers(function_named(module, program.name), seed)
    expected = run_program(module.clone(), program.name, buffers)
    if isinstance(apply_pass, ModulePass):
        apply_pass.apply(Context(), module)
    else:
        apply_pass(module)
    after = tessel.print_ir(module)
    try:
        module.verify()
        actual = run_program(module, program.name, buffers)
        for position, (got, want) in enumerate(zip(actual, expected, strict=True)):
            np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=f"buffer {position}")
    except (AssertionError, VerifyException, LoopInterpreterError) as err:
        raise AssertionError(f"{err}\n--- before the pass\n{before}\n--- after the pass\n{after}") from err
    return module


# ---- generation


@dataclass(frozen=True)
class _Var:
    """A loop variable in scope and the values it takes."""

    value: SSAValue
    lo: int
    hi: int


@dataclass
class _Scope:
    variables: tuple[_Var, ...]
    readable: list[SSAValue]
    writable: tuple[SSAValue, ...]
    depth: int = 0

    def inner(self, variable: _Var | None = None) -> _Scope:
        variables = self.variables + ((variable,) if variable is not None else ())
        return _Scope(variables, list(self.readable), self.writable, self.depth + 1)


def _shape(buffer: SSAValue) -> tuple[int, ...]:
    return tuple(buffer.type.get_shape())  # type: ignore[attr-defined]


def _add(a: AffineExpr, b: AffineExpr) -> AffineExpr:
    return AffineBinaryOpExpr(AffineBinaryOpKind.Add, a, b)


def _binary(kind: AffineBinaryOpKind, a: AffineExpr, constant: int) -> AffineExpr:
    return AffineBinaryOpExpr(kind, a, AffineConstantExpr(constant))


@dataclass
class _Generator:
    draw: st.DrawFn
    kinds: tuple[str, ...]
    max_depth: int = 3
    vector_loops: int = 1
    """How often (relative to the other statements) a loop shaped for vectorization is drawn."""
    allocs: int = 0
    loops: int = 0

    def int_(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def pick(self, options: Sequence[object]) -> object:
        return self.draw(st.sampled_from(list(options)))

    def emit(self, block: Block, op: Operation) -> Operation:
        block.add_op(op)
        return op

    def constant(self, block: Block, value: int) -> SSAValue:
        return self.emit(block, arith.ConstantOp(IntegerAttr(value, IndexType()))).results[0]

    # ---- statements
    def fill_block(self, block: Block, scope: _Scope) -> None:
        for _ in range(self.int_(1, 3)):
            self.statement(block, scope)

    def statement(self, block: Block, scope: _Scope) -> None:
        choices = ["store", "store", "loop", "loop", "guard", "alloc", *["vector_loop"] * self.vector_loops]
        if scope.depth >= self.max_depth:
            choices = ["store", "store", "guard"]
        choice = self.pick(choices)
        if choice == "store":
            self.store(block, scope)
        elif choice == "loop":
            self.loop_nest(block, scope)
        elif choice == "vector_loop":
            self.vector_loop(block, scope)
        elif choice == "guard":
            self.guard(block, scope)
        else:
            self.local_buffer(block, scope)

    def new_loop(self, block: Block, lb: int, extent: int, step: int, kind: str) -> loop.ForOp:
        thread = self.pick(THREADS) if kind == "thread" else None
        for_op = loop.ForOp(lb, lb + extent * step - (step - 1 if extent else 0), step, kind, thread=thread)  # type: ignore[arg-type]
        self.loops += 1
        for_op.induction_var.name_hint = f"i{self.loops}"
        self.emit(block, for_op)
        return for_op

    def loop_nest(self, block: Block, scope: _Scope) -> None:
        extent = self.pick([0, 1, 1, 2, 3, 4, 5, 6])
        lb = self.pick([0, 0, 0, 1, 3])
        step = self.pick([1, 1, 1, 2, 3])
        kind = str(self.pick(self.kinds))
        for_op = self.new_loop(block, lb, int(extent), int(step), kind)  # type: ignore[arg-type]
        lo, _, s = for_op.bounds
        variable = _Var(for_op.induction_var, lo, lo + max(0, for_op.trip_count - 1) * s)
        self.fill_block(for_op.body.block, scope.inner(variable))

    def guard(self, block: Block, scope: _Scope) -> None:
        expr_value, lo, hi = self.affine_of_variables(block, scope.variables)
        threshold = self.int_(lo - 2, hi + 2)
        bound = self.constant(block, threshold)
        predicate = str(self.pick(["slt", "sle", "sgt", "sge", "eq", "ne", "ult"]))
        condition = self.emit(block, arith.CmpiOp(expr_value, bound, predicate)).results[0]
        if_op = loop.IfOp(condition)
        self.emit(block, if_op)
        self.fill_block(if_op.then_region.block, scope.inner())
        if self.draw(st.booleans()):
            if_op.else_region.add_block(Block())
            self.fill_block(if_op.else_region.block, scope.inner())

    def local_buffer(self, block: Block, scope: _Scope) -> None:
        rank = self.int_(1, 2)
        shape = [self.int_(1, 5) for _ in range(rank - 1)] + [self.int_(1, 10)]
        self.allocs += 1
        buffer = self.emit(block, loop.AllocOp(f"T{self.allocs}", "local", MemRefType(f32, shape))).results[0]
        buffer.name_hint = f"T{self.allocs}"
        # Fill every element before anything reads it.
        body, variables = block, list(scope.variables)
        indices: list[SSAValue] = []
        for size in shape:
            kind = str(self.pick(self.kinds))
            for_op = self.new_loop(body, 0, size, 1, kind)
            indices.append(for_op.induction_var)
            variables.append(_Var(for_op.induction_var, 0, size - 1))
            body = for_op.body.block
        fill_scope = _Scope(tuple(variables), list(scope.readable), scope.writable, scope.depth + rank)
        value = self.value(body, fill_scope, 2)
        self.emit(body, loop.StoreOp(value, buffer, indices))
        scope.readable.append(buffer)

    def store(self, block: Block, scope: _Scope) -> None:
        buffer = self.pick(scope.writable)
        assert isinstance(buffer, SSAValue)
        value = self.value(block, scope, 3)
        indices = [self.index(block, scope.variables, size) for size in _shape(buffer)]
        self.emit(block, loop.StoreOp(value, buffer, indices))

    def vector_loop(self, block: Block, scope: _Scope) -> None:
        """A loop whose accesses are contiguous in its variable (what loop-vectorize turns into vectors)."""
        target = self.pick(scope.writable)
        assert isinstance(target, SSAValue)
        last = _shape(target)[-1]
        extent = self.int_(0, last)
        lb = self.int_(0, last - extent)
        kind = "vectorized" if self.draw(st.integers(0, 3)) else str(self.pick(self.kinds))
        for_op = self.new_loop(block, lb, extent, 1, kind)
        iv = for_op.induction_var
        body = for_op.body.block
        inner = scope.inner()  # the variable stays out of `variables`: it only appears contiguously
        if self.draw(st.integers(0, 3)):  # mostly no reads of the stored buffer (that would stop vectorization)
            inner.readable = [b for b in inner.readable if b is not target] or inner.readable
        for position in range(self.int_(1, 2)):
            value = self.contiguous_value(body, inner, iv, (lb, lb + max(0, extent - 1)), 3)
            buffer = target if position == 0 else self.pick(scope.writable)
            assert isinstance(buffer, SSAValue)
            index = self.contiguous_index(body, iv, (lb, lb + max(0, extent - 1)), _shape(buffer)[-1])
            if index is None:
                continue
            leading = [self.index(body, scope.variables, size) for size in _shape(buffer)[:-1]]
            self.emit(body, loop.StoreOp(value, buffer, [*leading, index]))
        if self.draw(st.integers(0, 5)) == 0:
            self.statement(body, inner)  # sometimes something that stops vectorization

    def contiguous_index(self, block: Block, iv: SSAValue, span: tuple[int, int], size: int) -> SSAValue | None:
        """`iv + c`, in bounds for every value of iv; None when no offset fits."""
        lo, hi = span
        if hi - lo >= size:
            return None
        offset = self.int_(-lo, size - 1 - hi)
        if offset == 0 and self.draw(st.booleans()):
            return iv
        expr = _add(AffineDimExpr(0), AffineConstantExpr(offset))
        return self.emit(block, loop.ApplyOp(AffineMap(1, 0, (expr,)), [iv])).results[0]

    def contiguous_value(self, block: Block, scope: _Scope, iv: SSAValue, span: tuple[int, int], depth: int) -> SSAValue:
        choice = self.pick(["load", "load", "binary", "unary", "uniform"]) if depth > 0 else "load"
        if choice == "load":
            candidates = [b for b in scope.readable if span[1] - span[0] < _shape(b)[-1]]
            if candidates:
                buffer = self.pick(candidates)
                assert isinstance(buffer, SSAValue)
                index = self.contiguous_index(block, iv, span, _shape(buffer)[-1])
                if index is not None:
                    leading = [self.index(block, scope.variables, size) for size in _shape(buffer)[:-1]]
                    return self.emit(block, loop.LoadOp(buffer, [*leading, index])).results[0]
            choice = "uniform"
        if choice == "uniform":
            return self.value(block, scope, 1)
        if choice == "unary":
            operand = self.contiguous_value(block, scope, iv, span, depth - 1)
            op = self.pick([arith.NegfOp, xmath.AbsFOp])
            return self.emit(block, op(operand)).results[0]  # type: ignore[operator]
        lhs = self.contiguous_value(block, scope, iv, span, depth - 1)
        rhs = self.contiguous_value(block, scope, iv, span, depth - 1)
        return self.float_binary(block, lhs, rhs)

    # ---- values
    def float_binary(self, block: Block, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        op = self.pick([arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.MaximumfOp, arith.MinimumfOp, "select"])
        if op == "select":
            condition = self.emit(block, arith.CmpfOp(lhs, rhs, "olt")).results[0]
            return self.emit(block, arith.SelectOp(condition, lhs, rhs)).results[0]
        return self.emit(block, op(lhs, rhs)).results[0]  # type: ignore[operator]

    def value(self, block: Block, scope: _Scope, depth: int) -> SSAValue:
        choice = self.pick(["load", "load", "constant", "binary", "unary"]) if depth > 0 else "load"
        if choice == "load" and scope.readable:
            buffer = self.pick(scope.readable)
            assert isinstance(buffer, SSAValue)
            indices = [self.index(block, scope.variables, size) for size in _shape(buffer)]
            return self.emit(block, loop.LoadOp(buffer, indices)).results[0]
        if choice in ("load", "constant"):
            number = self.draw(st.sampled_from([0.0, 1.0, -0.5, 2.0, 3.25]))
            return self.emit(block, arith.ConstantOp(FloatAttr(number, f32))).results[0]
        if choice == "unary":
            op = self.pick([arith.NegfOp, xmath.AbsFOp])
            return self.emit(block, op(self.value(block, scope, depth - 1))).results[0]  # type: ignore[operator]
        return self.float_binary(block, self.value(block, scope, depth - 1), self.value(block, scope, depth - 1))

    # ---- indices
    def affine_of_variables(self, block: Block, variables: Sequence[_Var]) -> tuple[SSAValue, int, int]:
        """A random affine combination of up to two loop variables, with its range."""
        chosen = list(dict.fromkeys(self.pick(variables) for _ in range(self.int_(0, 2)))) if variables else []
        constant = self.int_(-4, 8)
        expr: AffineExpr = AffineConstantExpr(constant)
        lo = hi = constant
        operands: list[SSAValue] = []
        for variable in chosen:
            assert isinstance(variable, _Var)
            coefficient = self.pick([-2, -1, 1, 1, 2, 3, 8])
            assert isinstance(coefficient, int)
            term = AffineDimExpr(len(operands))
            operands.append(variable.value)
            expr = _add(_binary(AffineBinaryOpKind.Mul, term, coefficient) if coefficient != 1 else term, expr)
            a, b = coefficient * variable.lo, coefficient * variable.hi
            lo, hi = lo + min(a, b), hi + max(a, b)
        value = self.emit(block, loop.ApplyOp(AffineMap(len(operands), 0, (expr,)), operands)).results[0]
        return value, lo, hi

    def index(self, block: Block, variables: Sequence[_Var], size: int) -> SSAValue:
        """An index value in [0, size) for every value the loop variables take."""
        choice = self.pick(["constant", "variable", "affine", "affine", "split", "arith"])
        if choice == "variable":
            fitting = [v for v in variables if 0 <= v.lo and v.hi < size]
            if fitting:
                chosen = self.pick(fitting)
                assert isinstance(chosen, _Var)
                return chosen.value
        if choice == "split":
            found = self.split_index(block, variables, size)
            if found is not None:
                return found
        if choice == "arith":
            fitting = [v for v in variables if 0 <= v.lo and v.hi < size]
            if fitting:
                chosen = self.pick(fitting)
                assert isinstance(chosen, _Var)
                offset = self.int_(-chosen.lo, size - 1 - chosen.hi)
                return self.emit(block, arith.AddiOp(chosen.value, self.constant(block, offset))).results[0]
        if choice in ("affine", "variable", "split", "arith") and variables:
            return self.wrapped(block, variables, size)
        return self.constant(block, self.int_(0, size - 1))

    def wrapped(self, block: Block, variables: Sequence[_Var], size: int) -> SSAValue:
        """An affine combination brought into [0, size) by mod or by a shifted floordiv, maybe through a chain."""
        value, lo, hi = self.affine_of_variables(block, variables)
        if 0 <= lo and hi < size and self.draw(st.booleans()):
            return value
        if self.draw(st.booleans()):
            expr = _binary(AffineBinaryOpKind.Mod, AffineDimExpr(0), size)
            operands = [value]
        else:
            span = hi - lo + 1
            divisor = -(-span // size)
            shift = self.constant(block, -lo)  # through an index constant, which loop-simplify composes
            shifted = _add(AffineDimExpr(0), AffineDimExpr(1))
            expr = _binary(AffineBinaryOpKind.FloorDiv, shifted, divisor)
            operands = [value, shift]
        return self.emit(block, loop.ApplyOp(AffineMap(len(operands), 0, (expr,)), operands)).results[0]

    def split_index(self, block: Block, variables: Sequence[_Var], size: int) -> SSAValue | None:
        """`(outer * K + inner) floordiv K` or `... mod K`: a fused index split again, as te lowering emits."""
        inners = [v for v in variables if v.lo == 0 and 0 < v.hi + 1 <= size]
        outers = [v for v in variables if 0 <= v.lo and v.hi < size]
        if not inners or not outers:
            return None
        inner, outer = self.pick(inners), self.pick(outers)
        assert isinstance(inner, _Var) and isinstance(outer, _Var)
        if inner is outer:
            return None
        k = inner.hi + 1 + self.int_(0, 2)
        fused_expr = _add(_binary(AffineBinaryOpKind.Mul, AffineDimExpr(0), k), AffineDimExpr(1))
        fused = self.emit(block, loop.ApplyOp(AffineMap(2, 0, (fused_expr,)), [outer.value, inner.value])).results[0]
        if k <= size and self.draw(st.booleans()):
            expr = _binary(AffineBinaryOpKind.Mod, AffineDimExpr(0), k)
        else:
            expr = _binary(AffineBinaryOpKind.FloorDiv, AffineDimExpr(0), k)
        return self.emit(block, loop.ApplyOp(AffineMap(1, 0, (expr,)), [fused])).results[0]


@st.composite
def loop_programs(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS, max_depth: int = 3, vector_loops: int = 1) -> LoopProgram:
    """One loop.func @main over 2-4 f32 buffers (rank 1-3), its body a random loop program."""
    shapes = [
        tuple([*draw(st.lists(st.integers(1, 5), min_size=rank - 1, max_size=rank - 1)), draw(st.integers(1, 20))])
        for rank in draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    ]
    function = loop.FuncOp("main", [MemRefType(f32, list(shape)) for shape in shapes])
    for position, arg in enumerate(function.args):
        arg.name_hint = "ABCD"[position]
    generator = _Generator(draw, kinds, max_depth, vector_loops)
    args = list(function.args)
    scope = _Scope((), list(args), tuple(args))
    generator.fill_block(function.body.block, scope)
    return LoopProgram(ModuleOp([function]))


def lowered_te_programs() -> st.SearchStrategy[LoopProgram]:
    """Random te computes with random legal schedules (tests/te_schedule_strategies.py), lowered by lower-te-to-loop."""

    def lower(program: Program) -> LoopProgram:
        module = tessel.parse(program.text)
        tessel.run_pipeline(module, "lower-te-to-loop")
        return LoopProgram(module, program.name)

    return scheduled_programs().map(lower)
