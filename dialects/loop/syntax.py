"""Custom syntax of the loop dialect: the grammar fragment, its build callbacks and the printers it mirrors.

    loop.func intrinsic @vdla.fill_zero(%y: memref<8x8xf32>) attributes {target = "vdla"} { ... }
    loop.for %i = 0 to 64 step 2 thread("threadIdx.x") attributes {pragma = "x"} { ... }
    loop.if %c { ... } else { ... }
    %t = loop.apply %yo * 8 + %yi
    %v = loop.load %A[%i, %j] : memref<64x64xf32>
    loop.store %v, %A[%i, %j] : memref<64x64xf32>
    %b = loop.alloc "CL" in "local" : memref<8x8xf32>
    loop.call @vdla.gemm(%a[%c0, %c0], %C[%y, %x]) : memref<8x8xf32>, memref<64x64xf32>
    loop.dma_copy %A[%i, %j] -> %AL[%c0, %c0] size [8, 8] : memref<64x64xf32> -> memref<8x8xf32>
    loop.barrier

loop.apply's affine expressions are read and printed by dialects/loop/affine_syntax.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from lark import Token
from xdsl.dialects.builtin import (
    DictionaryAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    StringAttr,
    i1,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.attribute_syntax import symbol_name
from tessel.dialects.literals import LiteralError, parse_int
from tessel.dialects.loop import affine_syntax
from tessel.dialects.loop.ops import (
    LOOP_KINDS,
    MEMORY_SCOPES,
    AllocOp,
    ApplyOp,
    BarrierOp,
    CallOp,
    DmaCopyOp,
    ForOp,
    FuncOp,
    IfOp,
    LoadOp,
    StoreOp,
)
from tessel.dialects.syntax import SyntaxFragment, install_printers, keyword_terminal, keywords
from tessel.dialects.te.schedule_ops import THREAD_TAGS

_OP_NAMES = [op.name for op in (FuncOp, ForOp, IfOp, ApplyOp, LoadOp, StoreOp, AllocOp, CallOp, DmaCopyOp, BarrierOp)]
_KEYWORD_DEFINITIONS, _ = keywords(_OP_NAMES)


_kw = keyword_terminal


GRAMMAR = "\n".join(
    [
        _KEYWORD_DEFINITIONS,
        affine_syntax.GRAMMAR,
        rf"""
loop_func: {_kw("loop.func")} [LOOP_INTRINSIC] SYMBOL_REF "(" [loop_func_params] ")" ["attributes" attr_dict] region
LOOP_INTRINSIC: "intrinsic"
loop_func_params: loop_func_param ("," loop_func_param)*
loop_func_param: SSA_NAME ":" loop_memref

loop_for: {_kw("loop.for")} loop_for_header region
loop_for_header: SSA_NAME "=" INT "to" INT ["step" INT] [loop_kind] ["attributes" attr_dict]
loop_kind: BARE_ID ["(" STRING ")"]

loop_if: {_kw("loop.if")} SSA_NAME region ["else" region]

loop_apply: {_kw("loop.apply")} loop_affine_expr

loop_load: {_kw("loop.load")} loop_access ":" loop_memref
loop_store: {_kw("loop.store")} SSA_NAME "," loop_access ":" loop_memref
loop_alloc: {_kw("loop.alloc")} STRING "in" STRING ":" loop_memref
loop_call: {_kw("loop.call")} SYMBOL_REF "(" [loop_call_args] ")" [loop_call_types]
loop_call_args: loop_access ("," loop_access)*
loop_call_types: ":" loop_memref ("," loop_memref)*
loop_dma_copy: {_kw("loop.dma_copy")} loop_access "->" loop_access "size" "[" [loop_sizes] "]" ":" loop_memref "->" loop_memref
loop_sizes: INT ("," INT)*
loop_barrier: {_kw("loop.barrier")}

loop_access: SSA_NAME "[" [value_uses] "]"
loop_memref: BUILTIN_TYPE | SHAPED_TYPE | DIALECT_TYPE
""",
    ]
)

ROOTS = (
    "loop_func",
    "loop_for",
    "loop_if",
    "loop_apply",
    "loop_load",
    "loop_store",
    "loop_alloc",
    "loop_call",
    "loop_dma_copy",
    "loop_barrier",
)

_KIND_CHOICES = ", ".join('thread("...")' if kind == "thread" else kind for kind in LOOP_KINDS)


class LoopCallbacks(affine_syntax.AffineCallbacks):
    """Builds loop ops from their custom form."""

    # ---- shared pieces
    def loop_memref(self, children: list[Token]) -> tuple[Token, MemRefType]:
        token = children[0]
        found = self.read_type(token)
        if not isinstance(found, MemRefType):
            raise self.fail(f"expected a memref type, got {found}", token)
        return token, cast(MemRefType, found)

    def loop_access(self, children: list[object]) -> tuple[Token, list[Token]]:
        buffer, indices = children
        return cast(Token, buffer), cast(list[Token], indices or [])

    def _access(
        self, op_name: str, access: tuple[Token, list[Token]], buffer_type: MemRefType
    ) -> tuple[SSAValue, list[SSAValue]]:
        """A buffer use and its indices, checked against the buffer's rank."""
        buffer, indices = access
        rank = buffer_type.get_num_dims()
        if len(indices) != rank:
            raise self.fail(f"{op_name}: {buffer_type} needs {rank} indices, got {len(indices)}", buffer)
        return self.use(buffer, buffer_type), [self.use(index, IndexType()) for index in indices]

    def _int(self, token: Token) -> int:
        try:
            return parse_int(str(token))
        except LiteralError as err:
            raise self.fail(str(err), token) from None

    def _index_attr(self, token: Token) -> IntegerAttr:
        try:
            return IntegerAttr(self._int(token), IndexType())
        except VerifyException as err:
            raise self.fail(f"integer {token} does not fit index: {err}", token) from None

    # ---- loop.func
    def loop_func(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, intrinsic, symbol, params, attributes, body = children
        assert isinstance(keyword, Token) and isinstance(symbol, Token) and isinstance(body, Region)
        self.pending_entry_args = None
        arg_types = [arg_type for _, arg_type in cast(list[tuple[Token, MemRefType]], params or [])]
        if not body.blocks:
            body.add_block(Block())
        op = FuncOp(symbol_name(symbol), arg_types, body, intrinsic=intrinsic is not None)
        if attributes:
            op.attributes |= cast(dict[str, Attribute], attributes)
        return op, keyword

    def loop_func_params(self, children: list[tuple[Token, MemRefType]]) -> list[tuple[Token, MemRefType]]:
        self.pending_entry_args = list(children)  # the body's region_open defines them
        return children

    def loop_func_param(self, children: list[object]) -> tuple[Token, MemRefType]:
        name, (_, arg_type) = cast(tuple[Token, tuple[Token, MemRefType]], children)
        return name, arg_type

    # ---- loop.for
    def loop_for(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, header, body = children
        assert isinstance(keyword, Token) and isinstance(body, Region)
        self.pending_entry_args = None
        properties = dict(cast(dict[str, Attribute], header))
        return ForOp.create(properties=properties, regions=[body]), keyword

    def loop_for_header(self, children: list[object]) -> dict[str, Attribute]:
        name, lb, ub, step, kind, annotations = children
        assert isinstance(name, Token) and isinstance(lb, Token) and isinstance(ub, Token)
        kind_name, thread = cast(tuple[str, str | None], kind or ("serial", None))
        properties: dict[str, Attribute] = {
            "lb": self._index_attr(lb),
            "ub": self._index_attr(ub),
            "step": self._index_attr(step) if isinstance(step, Token) else IntegerAttr(1, IndexType()),
            "kind": StringAttr(kind_name),
        }
        if thread is not None:
            properties["thread"] = StringAttr(thread)
        if annotations is not None:
            properties["annotations"] = DictionaryAttr(cast(dict[str, Attribute], annotations))
        self.pending_entry_args = [(name, IndexType())]  # the induction variable, defined by the body's region_open
        return properties

    def loop_kind(self, children: list[object]) -> tuple[str, str | None]:
        kind, thread = children
        assert isinstance(kind, Token)
        if str(kind) not in LOOP_KINDS:
            raise self.fail(f"unknown loop kind '{kind}'; expected one of {_KIND_CHOICES}", kind)
        if str(kind) != "thread":
            if thread is not None:
                raise self.fail(f"loop kind '{kind}' takes no thread name", cast(Token, thread))
            return str(kind), None
        if thread is None:
            raise self.fail("loop kind 'thread' needs the thread it is bound to, e.g. thread(\"threadIdx.x\")", kind)
        thread_name = self.string_value(cast(Token, thread))
        if thread_name not in THREAD_TAGS:
            raise self.fail(f"unknown thread '{thread_name}'; expected one of {', '.join(THREAD_TAGS)}", cast(Token, thread))
        return "thread", thread_name

    # ---- loop.if
    def loop_if(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, condition, then_region, else_region = children
        assert isinstance(keyword, Token) and isinstance(condition, Token) and isinstance(then_region, Region)
        if not then_region.blocks:
            then_region.add_block(Block())
        if isinstance(else_region, Region) and not else_region.blocks:
            else_region.add_block(Block())  # `else {}` is an empty else block; no `else` is no block
        return IfOp(self.use(condition, i1), then_region, else_region if isinstance(else_region, Region) else None), keyword

    # ---- loop.apply
    def loop_apply(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, term = children
        assert isinstance(keyword, Token)
        affine_map, names = self.affine_map(cast(affine_syntax.Term, term))
        return ApplyOp(affine_map, [self.use(name, IndexType()) for name in names]), keyword

    # ---- buffers
    def loop_load(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, access, (_, buffer_type) = cast(tuple[Token, tuple[Token, list[Token]], tuple[Token, MemRefType]], children)
        buffer, indices = self._access("loop.load", access, buffer_type)
        return LoadOp(buffer, indices), keyword

    def loop_store(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, value, access, (_, buffer_type) = cast(
            tuple[Token, Token, tuple[Token, list[Token]], tuple[Token, MemRefType]], children
        )
        buffer, indices = self._access("loop.store", access, buffer_type)
        return StoreOp(self.use(value, buffer_type.element_type), buffer, indices), keyword

    def loop_alloc(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, name, scope, (_, buffer_type) = cast(tuple[Token, Token, Token, tuple[Token, MemRefType]], children)
        scope_name = self.string_value(scope)
        if scope_name not in MEMORY_SCOPES:
            raise self.fail(f"unknown memory scope '{scope_name}'; expected one of {', '.join(MEMORY_SCOPES)}", scope)
        return AllocOp(self.string_value(name), scope_name, buffer_type), keyword

    def loop_call(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, symbol, args, types = cast(
            tuple[Token, Token, list[tuple[Token, list[Token]]] | None, list[tuple[Token, MemRefType]] | None], children
        )
        args, types = args or [], types or []
        if len(args) != len(types):
            raise self.fail(f"loop.call: {len(args)} buffer(s) but {len(types)} buffer type(s)", keyword)
        accesses = [self._access("loop.call", access, buffer_type) for access, (_, buffer_type) in zip(args, types, strict=True)]
        return CallOp(symbol_name(symbol), [b for b, _ in accesses], [i for _, i in accesses]), keyword

    def loop_call_args(self, children: list[tuple[Token, list[Token]]]) -> list[tuple[Token, list[Token]]]:
        return children

    def loop_call_types(self, children: list[tuple[Token, MemRefType]]) -> list[tuple[Token, MemRefType]]:
        return children

    def loop_dma_copy(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, src_access, dst_access, sizes, (_, src_type), (_, dst_type) = cast(
            tuple[
                Token,
                tuple[Token, list[Token]],
                tuple[Token, list[Token]],
                list[int] | None,
                tuple[Token, MemRefType],
                tuple[Token, MemRefType],
            ],
            children,
        )
        src, src_indices = self._access("loop.dma_copy", src_access, src_type)
        dst, dst_indices = self._access("loop.dma_copy", dst_access, dst_type)
        sizes = sizes or []
        if len(sizes) != src_type.get_num_dims():
            raise self.fail(
                f"loop.dma_copy: needs one size per source dimension ({src_type.get_num_dims()}), got {len(sizes)}", keyword
            )
        return DmaCopyOp(src, src_indices, dst, dst_indices, sizes), keyword

    def loop_sizes(self, children: list[Token]) -> list[int]:
        return [self._int(token) for token in children]

    def loop_barrier(self, children: list[Token]) -> tuple[Operation, Token]:
        return BarrierOp(), children[0]


# ---- printers: each prints exactly what its rule above reads


def _print_func(op: FuncOp, printer: Printer) -> None:
    if op.intrinsic is not None:
        printer.print_string(" intrinsic")
    printer.print_string(" ")
    printer.print_symbol_name(op.sym_name.data)
    printer.print_string("(")
    printer.print_list(op.body.block.args, printer.print_block_argument)
    printer.print_string(")")
    printer.print_op_attributes(op.attributes, print_keyword=True)
    printer.print_string(" ")
    printer.print_region(op.body, print_entry_block_args=False, print_empty_block=False)


def _print_for(op: ForOp, printer: Printer) -> None:
    lb, ub, step = op.bounds
    printer.print_string(" ")
    printer.print_ssa_value(op.induction_var)
    printer.print_string(f" = {lb} to {ub}")
    if step != 1:
        printer.print_string(f" step {step}")
    if op.kind.data == "thread":
        assert op.thread is not None
        printer.print_string(" thread(")
        printer.print_string_literal(op.thread.data)
        printer.print_string(")")
    elif op.kind.data != "serial":
        printer.print_string(f" {op.kind.data}")
    if op.annotations is not None:
        printer.print_string(" attributes ")
        printer.print_attr_dict(op.annotations.data)
    printer.print_string(" ")
    printer.print_region(op.body, print_entry_block_args=False, print_empty_block=False)


def _print_if(op: IfOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_operand(op.condition)
    printer.print_string(" ")
    printer.print_region(op.then_region, print_entry_block_args=False, print_empty_block=False)
    if op.else_region.blocks:
        printer.print_string(" else ")
        printer.print_region(op.else_region, print_entry_block_args=False, print_empty_block=False)


def _print_apply(op: ApplyOp, printer: Printer) -> None:
    printer.print_string(" ")
    affine_syntax.print_affine(printer, op.map.data.results[0], list(op.operands_))


def _print_access(printer: Printer, buffer: SSAValue, indices: Sequence[SSAValue]) -> None:
    printer.print_operand(buffer)
    printer.print_string("[")
    printer.print_list(indices, printer.print_operand)
    printer.print_string("]")


def _print_load(op: LoadOp, printer: Printer) -> None:
    printer.print_string(" ")
    _print_access(printer, op.buffer, op.indices)
    printer.print_string(" : ")
    printer.print_attribute(op.buffer.type)


def _print_store(op: StoreOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_operand(op.value)
    printer.print_string(", ")
    _print_access(printer, op.buffer, op.indices)
    printer.print_string(" : ")
    printer.print_attribute(op.buffer.type)


def _print_alloc(op: AllocOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_string_literal(op.buffer_name.data)
    printer.print_string(" in ")
    printer.print_string_literal(op.scope.data)
    printer.print_string(" : ")
    printer.print_attribute(op.result.type)


def _print_call(op: CallOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_symbol_name(op.callee.root_reference.data)
    printer.print_string("(")
    printer.print_list(zip(op.buffers, op.offsets_of(), strict=True), lambda pair: _print_access(printer, *pair))
    printer.print_string(")")
    if op.buffers:
        printer.print_string(" : ")
        printer.print_list(op.buffers.types, printer.print_attribute)


def _print_dma_copy(op: DmaCopyOp, printer: Printer) -> None:
    printer.print_string(" ")
    _print_access(printer, op.src, op.src_indices)
    printer.print_string(" -> ")
    _print_access(printer, op.dst, op.dst_indices)
    printer.print_string(f" size [{', '.join(str(size) for size in op.size_values)}] : ")
    printer.print_attribute(op.src.type)
    printer.print_string(" -> ")
    printer.print_attribute(op.dst.type)


def _print_barrier(op: BarrierOp, printer: Printer) -> None:
    pass


_PRINTERS = {
    FuncOp: _print_func,
    ForOp: _print_for,
    IfOp: _print_if,
    ApplyOp: _print_apply,
    LoadOp: _print_load,
    StoreOp: _print_store,
    AllocOp: _print_alloc,
    CallOp: _print_call,
    DmaCopyOp: _print_dma_copy,
    BarrierOp: _print_barrier,
}

install_printers(_PRINTERS)


# ---- when the custom form cannot spell an op


def _single_block(region: Region, arg_types: Sequence[Attribute]) -> bool:
    return len(region.blocks) == 1 and [a.type for a in region.block.args] == list(arg_types)


def _is_index(attr: IntegerAttr) -> bool:
    return isinstance(attr.type, IndexType)


def _access_spellable(buffer: SSAValue, indices: Sequence[SSAValue]) -> bool:
    buffer_type = buffer.type
    return (
        isinstance(buffer_type, MemRefType)
        and len(indices) == buffer_type.get_num_dims()
        and all(isinstance(i.type, IndexType) for i in indices)
    )


def _custom_form_is_lossy(op: Operation) -> bool:
    """Whether printing `op` in custom form and reading it back would not give `op` again."""
    if isinstance(op, FuncOp):
        inputs = op.function_type.inputs.data
        return (
            bool(op.function_type.outputs.data)
            or not all(isinstance(t, MemRefType) for t in inputs)
            or not _single_block(op.body, inputs)
        )
    if op.attributes:  # only loop.func spells discardable attributes
        return True
    if isinstance(op, ForOp):
        kind, thread = op.kind.data, op.thread
        thread_ok = thread is None if kind != "thread" else thread is not None and thread.data in THREAD_TAGS
        return (
            kind not in LOOP_KINDS
            or not thread_ok
            or not all(_is_index(bound) for bound in (op.lb, op.ub, op.step))
            or not _single_block(op.body, [IndexType()])
        )
    if isinstance(op, IfOp):
        else_blocks = op.else_region.blocks
        return (
            op.condition.type != i1
            or not _single_block(op.then_region, [])
            or (bool(else_blocks) and not _single_block(op.else_region, []))
        )
    if isinstance(op, ApplyOp):
        return not affine_syntax.spellable(op.map.data, list(op.operands_)) or op.result.type != IndexType()
    if isinstance(op, LoadOp):
        return not _access_spellable(op.buffer, op.indices) or op.result.type != cast(MemRefType, op.buffer.type).element_type
    if isinstance(op, StoreOp):
        return not _access_spellable(op.buffer, op.indices) or op.value.type != cast(MemRefType, op.buffer.type).element_type
    if isinstance(op, AllocOp):
        return not isinstance(op.result.type, MemRefType)
    if isinstance(op, CallOp):
        if op.callee.nested_references.data or not all(isinstance(b.type, MemRefType) for b in op.buffers):
            return True
        if sum(cast(MemRefType, b.type).get_num_dims() for b in op.buffers) != len(op.offsets):
            return True
        return not all(_access_spellable(b, i) for b, i in zip(op.buffers, op.offsets_of(), strict=True))
    if isinstance(op, DmaCopyOp):
        sizes = op.sizes.data
        return (
            not _access_spellable(op.src, op.src_indices)
            or not _access_spellable(op.dst, op.dst_indices)
            or len(sizes) != cast(MemRefType, op.src.type).get_num_dims()
            or not all(isinstance(s, IntegerAttr) and s.type == i64 for s in sizes)
        )
    return False


FRAGMENT = SyntaxFragment(
    name="loop",
    grammar=GRAMMAR,
    roots=ROOTS,
    callbacks=LoopCallbacks,
    custom_format_ops=frozenset(_PRINTERS),
    needs_generic=_custom_form_is_lossy,
)

__all__ = ["FRAGMENT", "GRAMMAR", "LoopCallbacks"]
