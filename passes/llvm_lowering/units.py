"""Which llvm.funcs a module of loop.funcs becomes, and their names.

Each non-intrinsic loop.func is a *unit*: its public llvm.func plus the internal functions it needs,
all named after it (`main.vdla.gemm8x8.view`, `main.parallel`, `main.parallel.thread`, ...), so that
modules sharing one JIT engine only clash where their public names do. Intrinsics (and any loop.func
called through loop.call on views that are not its own contiguous layout) are specialized per
distinct layout of the caller's buffers, with the caller's strides baked in as constants.
"""

from __future__ import annotations

from xdsl.dialects import builtin, llvm
from xdsl.dialects.builtin import UnitAttr
from xdsl.utils.exceptions import PassFailedException

from tessel.dialects import loop
from tessel.dialects.graph.call import is_kernel_graph
from tessel.passes.llvm_lowering import parallel
from tessel.passes.llvm_lowering.emitter import PTR
from tessel.passes.llvm_lowering.loops import Buffer, FunctionLowering, contiguous_strides, static_shape
from tessel.passes.llvm_lowering.symbols import Declarations

Strides = tuple[tuple[int, ...], ...]


class Unit:
    """One public loop.func and the internal llvm.funcs lowered for it."""

    def __init__(self, prefix: str, sources: dict[str, loop.FuncOp], declarations: Declarations, taken: set[str]):
        self.prefix = prefix
        self.sources = sources
        self.declarations = declarations
        self.taken = taken
        """Symbol names in use in the module (shared by all units)."""
        self.functions: list[llvm.FuncOp] = []
        self._views: dict[tuple[str, Strides], str] = {}
        self._pending: list[tuple[loop.FuncOp, str, Strides]] = []
        self.runtime: parallel.Runtime | None = None

    def fresh_name(self, base: str) -> str:
        """`base`, or `base.N` if taken; reserved from now on."""
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}.{k}"
        self.taken.add(name)
        return name

    def view(self, callee: loop.FuncOp, strides: Strides) -> str:
        """The llvm.func running `callee` on views with these strides (lowered once per layout)."""
        callee_name = callee.sym_name.data
        key = (callee_name, strides)
        found = self._views.get(key)
        if found is not None:
            return found
        own = tuple(contiguous_strides(static_shape(p.type, f"@{callee_name}")) for p in callee.args)
        if callee.intrinsic is None and strides == own:
            name = callee_name
        else:
            name = self.fresh_name(f"{self.prefix}.{callee_name}.view")
            self._pending.append((callee, name, strides))
        self._views[key] = name
        return name

    def lower_parallel(self, function: FunctionLowering, op: loop.ForOp) -> None:
        parallel.lower_parallel(function, op)

    def lower(self, public: loop.FuncOp) -> list[llvm.FuncOp]:
        """The public function (C ABI: one noalias pointer per buffer), then the views it calls."""
        self.functions.append(lower_function(self, public, public.sym_name.data, None, public=True))
        while self._pending:
            callee, name, strides = self._pending.pop(0)
            self.functions.append(lower_function(self, callee, name, strides, public=False))
        return self.functions


def lower_function(unit: Unit, source: loop.FuncOp, name: str, strides: Strides | None, public: bool) -> llvm.FuncOp:
    """One llvm.func from a copy of `source`: buffers with the given strides (None: contiguous)."""
    source = source.clone()
    args = source.args
    arg_attrs = [{"llvm.noalias": UnitAttr()} for _ in args] if public else None
    lowering = FunctionLowering(unit, name, [PTR] * len(args), "external" if public else "internal", arg_attrs, threads=public)
    for k, (arg, pointer) in enumerate(zip(args, lowering.entry.args, strict=True)):
        arg_strides = None if strides is None else strides[k]
        lowering.buffers[arg] = Buffer.of(pointer, arg.type, arg_strides, f"@{source.sym_name.data} argument {k}")
        pointer.name_hint = arg.name_hint
    lowering.lower_block(source.body.block)
    return lowering.finish()


def lower_loop_functions(module: builtin.ModuleOp, declarations: Declarations) -> list[llvm.FuncOp]:
    """Replace the module's loop.funcs by llvm.funcs (bodies still holding arith/math/vector ops)."""
    sources = {op.sym_name.data: op for op in module.ops if isinstance(op, loop.FuncOp)}
    for op in module.ops:
        if not isinstance(op, loop.FuncOp | llvm.FuncOp | llvm.GlobalOp) and not is_kernel_graph(op):
            raise PassFailedException(f"convert-loop-to-llvm: expected a module of loop.funcs, found {op.name}")
    taken = {op.sym_name.data for op in module.ops if isinstance(op, loop.FuncOp | llvm.FuncOp | llvm.GlobalOp)}
    functions: list[llvm.FuncOp] = []
    for source in sources.values():
        if source.intrinsic is None:
            functions += Unit(source.sym_name.data, sources, declarations, taken).lower(source)
    for source in sources.values():
        source.detach()
        source.erase()
    module.body.block.add_ops(functions)
    return functions
