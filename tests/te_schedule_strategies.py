"""Hypothesis strategies: random te computes (elementwise, broadcast, reductions, matmul, conv2d with padding,
chains) with random *legal* schedules (splits incl. non-dividing factors, fuses, reorders, annotations,
compute_at positions, inlining, cache_read / cache_write stages), as te IR text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st


@dataclass
class Axis:
    name: str
    extent: int
    reduce: bool
    kind: str = "serial"


@dataclass
class StageGen:
    name: str
    shape: list[int]
    reduce: list[int]
    elementwise: bool
    leaves: list[Axis] = field(default_factory=list)
    consumers: list[str] = field(default_factory=list)
    output: bool = False
    attach: str = "root"
    roots: list[Axis] = field(default_factory=list)


@dataclass
class Program:
    """A te function as text, with its inputs' shapes."""

    text: str
    inputs: list[tuple[str, list[int]]]
    name: str = "main"


def _t(shape: list[int]) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"%{prefix}{self.counter}"

    def compute(self, name: str, shape: list[int], reduce: list[int], body: list[str], result: str, reducer: str | None) -> None:
        idx = ", ".join(f"%{name}_i{n}" for n in range(len(shape)))
        ext = ", ".join(str(d) for d in shape)
        head = f'  %{name} = te.compute "{name}" ({idx}) < ({ext})'
        if reduce:
            ridx = ", ".join(f"%{name}_k{n}" for n in range(len(reduce)))
            head += f" reduce ({ridx}) < ({', '.join(str(d) for d in reduce)})"
        self.lines.append(head + " {")
        self.lines += ["    " + line for line in body]
        yield_ = f"te.yield {reducer} {result} : f32" if reducer else f"te.yield {result} : f32"
        self.lines.append("    " + yield_)
        self.lines.append(f"  }} : {_t(shape)}")


@st.composite
def workloads(draw: st.DrawFn) -> tuple[_Writer, list[tuple[str, list[int]]], list[StageGen]]:
    """Computes of one random kind; returns the writer (computes written), inputs and stages (topological)."""
    w = _Writer()
    dim = st.integers(1, 9)
    kind = draw(st.sampled_from(["elementwise", "broadcast", "reduce", "matmul", "conv2d", "chain"]))
    if kind == "elementwise":
        n, m = draw(dim), draw(dim)
        inputs = [("A", [n, m]), ("B", [n, m])]
        w.compute("E", [n, m], [], [
            f"%ea = te.read %A[%E_i0, %E_i1] : {_t([n, m])}",
            f"%eb = te.read %B[%E_i0, %E_i1] : {_t([n, m])}",
            "%ec = arith.mulf %ea, %eb : f32",
            "%ed = arith.addf %ec, %ea : f32",
        ], "%ed", None)  # fmt: skip
        return w, inputs, [StageGen("E", [n, m], [], True, output=True)]
    if kind == "broadcast":
        n, m = draw(dim), draw(dim)
        inputs = [("A", [n, m]), ("b", [m])]
        w.compute("E", [n, m], [], [
            f"%ea = te.read %A[%E_i0, %E_i1] : {_t([n, m])}",
            f"%eb = te.read %b[%E_i1] : {_t([m])}",
            "%ec = arith.addf %ea, %eb : f32",
        ], "%ec", None)  # fmt: skip
        return w, inputs, [StageGen("E", [n, m], [], True, output=True)]
    if kind == "reduce":
        n, m = draw(dim), draw(dim)
        reducer = draw(st.sampled_from(["sum", "max", "min"]))
        inputs = [("A", [n, m])]
        w.compute("R", [n], [m], [f"%ra = te.read %A[%R_i0, %R_k0] : {_t([n, m])}"], "%ra", reducer)
        return w, inputs, [StageGen("R", [n], [m], False, output=True)]
    if kind == "matmul" or kind == "chain":
        n, m, k = draw(dim), draw(dim), draw(dim)
        inputs = [("A", [k, n]), ("B", [k, m])]
        w.compute("C", [n, m], [k], [
            f"%ca = te.read %A[%C_k0, %C_i0] : {_t([k, n])}",
            f"%cb = te.read %B[%C_k0, %C_i1] : {_t([k, m])}",
            "%cc = arith.mulf %ca, %cb : f32",
        ], "%cc", "sum")  # fmt: skip
        if kind == "matmul":
            return w, inputs, [StageGen("C", [n, m], [k], False, output=True)]
        w.compute("D", [n, m], [], [
            f"%da = te.read %C[%D_i0, %D_i1] : {_t([n, m])}",
            "%dz = arith.constant 0.0 : f32",
            "%db = arith.maximumf %da, %dz : f32",
        ], "%db", None)  # fmt: skip
        return w, inputs, [StageGen("C", [n, m], [k], False, consumers=["D"]), StageGen("D", [n, m], [], True, output=True)]
    # conv2d over a padded input: P = pad(data), O[co, y, x] = sum P[rc, y + ry, x + rx] * W[co, rc, ry, rx]
    ci, co, h, wd = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    r, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    ph, pw = h + 2 * pad, wd + 2 * pad
    oh, ow = ph - r + 1, pw - r + 1
    if oh < 1 or ow < 1:
        pad = r
        ph, pw, oh, ow = h + 2 * pad, wd + 2 * pad, h + 2 * pad - r + 1, wd + 2 * pad - r + 1
    inputs = [("data", [ci, h, wd]), ("W", [co, ci, r, r])]
    w.compute("P", [ci, ph, pw], [], [
        f"%pl = arith.constant {pad} : index",
        f"%ph = arith.constant {h + pad} : index",
        f"%pw = arith.constant {wd + pad} : index",
        "%p1 = arith.cmpi sge, %P_i1, %pl : index",
        "%p2 = arith.cmpi slt, %P_i1, %ph : index",
        "%p3 = arith.cmpi sge, %P_i2, %pl : index",
        "%p4 = arith.cmpi slt, %P_i2, %pw : index",
        "%p5 = arith.andi %p1, %p2 : i1",
        "%p6 = arith.andi %p3, %p4 : i1",
        "%p7 = arith.andi %p5, %p6 : i1",
        "%py = arith.subi %P_i1, %pl : index",
        "%px = arith.subi %P_i2, %pl : index",
        f"%pv = te.read %data[%P_i0, %py, %px] : {_t([ci, h, wd])}",
        "%pz = arith.constant 0.0 : f32",
        "%pr = te.if_then_else %p7, %pv, %pz : f32",
    ], "%pr", None)  # fmt: skip
    w.compute("O", [co, oh, ow], [ci, r, r], [
        "%oy = arith.addi %O_i1, %O_k1 : index",
        "%ox = arith.addi %O_i2, %O_k2 : index",
        f"%oa = te.read %P[%O_k0, %oy, %ox] : {_t([ci, ph, pw])}",
        f"%ob = te.read %W[%O_i0, %O_k0, %O_k1, %O_k2] : {_t([co, ci, r, r])}",
        "%oc = arith.mulf %oa, %ob : f32",
    ], "%oc", "sum")  # fmt: skip
    return (
        w,
        inputs,
        [StageGen("P", [ci, ph, pw], [], True, consumers=["O"]), StageGen("O", [co, oh, ow], [ci, r, r], False, output=True)],
    )


def _axes_line(w: _Writer, stage: StageGen, spatial: list[int], reduce: list[int]) -> None:
    stage.leaves = [Axis(w.fresh(f"{stage.name}_a"), e, False) for e in spatial] + [
        Axis(w.fresh(f"{stage.name}_r"), e, True) for e in reduce
    ]
    stage.roots = list(stage.leaves)
    w.lines.append(f"    {', '.join(a.name for a in stage.leaves)} = te.axes %{stage.name}")


@st.composite
def _loop_transforms(draw: st.DrawFn, w: _Writer, stage: StageGen) -> None:
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["split", "fuse", "reorder"]))
        if action == "split":
            at = draw(st.integers(0, len(stage.leaves) - 1))
            axis = stage.leaves[at]
            outer, inner = Axis(w.fresh(f"{stage.name}_o"), 0, axis.reduce), Axis(w.fresh(f"{stage.name}_n"), 0, axis.reduce)
            if draw(st.booleans()):
                factor = draw(st.integers(1, axis.extent + 1))
                outer.extent, inner.extent = -(-axis.extent // factor), factor
                how = f"by {factor}"
            else:
                nparts = draw(st.integers(1, axis.extent + 1))
                outer.extent, inner.extent = nparts, -(-axis.extent // nparts)
                how = f"nparts {nparts}"
            w.lines.append(f"    {outer.name}, {inner.name} = te.split %{stage.name} {axis.name} {how}")
            stage.leaves[at : at + 1] = [outer, inner]
        elif action == "fuse":
            pairs = [i for i in range(len(stage.leaves) - 1) if stage.leaves[i].reduce == stage.leaves[i + 1].reduce]
            if not pairs:
                continue
            at = draw(st.sampled_from(pairs))
            a, b = stage.leaves[at], stage.leaves[at + 1]
            fused = Axis(w.fresh(f"{stage.name}_f"), a.extent * b.extent, a.reduce)
            w.lines.append(f"    {fused.name} = te.fuse %{stage.name} [{a.name}, {b.name}]")
            stage.leaves[at : at + 2] = [fused]
        else:
            order = draw(st.permutations(stage.leaves))
            w.lines.append(f"    te.reorder %{stage.name} [{', '.join(a.name for a in order)}]")
            stage.leaves = list(order)


@st.composite
def _annotations(draw: st.DrawFn, w: _Writer, stage: StageGen) -> None:
    spatial = [a for a in stage.leaves if not a.reduce]
    if spatial and draw(st.booleans()):
        axis = draw(st.sampled_from(spatial))
        axis.kind = "parallel"
        w.lines.append(f"    te.parallel %{stage.name} {axis.name}")
    if draw(st.booleans()):
        axis = draw(st.sampled_from(stage.leaves))
        if axis.kind == "serial":
            axis.kind = "unrolled"
            w.lines.append(f"    te.unroll %{stage.name} {axis.name}")
    free = [a for a in stage.leaves if a.kind == "serial" and not a.reduce]
    if free and draw(st.integers(0, 3)) == 0:
        axis = draw(st.sampled_from(free))
        tag = draw(st.sampled_from(["blockIdx.x", "threadIdx.x", "vthread"]))
        axis.kind = "thread"
        w.lines.append(f'    te.bind %{stage.name} {axis.name} "{tag}"')
    if draw(st.integers(0, 3)) == 0:
        axis = draw(st.sampled_from(stage.leaves))
        w.lines.append(f'    te.pragma %{stage.name} {axis.name} "unroll_explicit"')
    last = stage.leaves[-1]
    if not last.reduce and last.kind == "serial" and draw(st.booleans()):
        last.kind = "vectorized"
        w.lines.append(f"    te.vectorize %{stage.name} {last.name}")


@st.composite
def scheduled_programs(draw: st.DrawFn) -> Program:
    """A random te function with a random legal schedule."""
    w, inputs, stages = draw(workloads())
    by_name = {s.name: s for s in stages}
    w.lines.append("  te.schedule {")
    output = stages[-1]
    # cache_write of the output: its computation moves to a new stage that the output copies from.
    if draw(st.booleans()):
        cache = StageGen(output.name + "L", list(output.shape), list(output.reduce), output.elementwise, consumers=[output.name])
        w.lines.append(f'    %{cache.name} = te.cache_write %{output.name} "local"')
        output.reduce, output.elementwise = [], True
        for s in stages:
            s.consumers = [cache.name if c == output.name else c for c in s.consumers]
        stages.insert(len(stages) - 1, cache)
        by_name[cache.name] = cache
    # cache_read of one input for the first stage reading it (all workloads read their first input in stage 0).
    if draw(st.booleans()):
        source, shape = inputs[0]
        reader = next(s for s in stages if s.name not in (output.name,) or len(stages) == 1)
        if reader.name == output.name and output.elementwise and len(stages) > 1:
            reader = stages[0]
        cache = StageGen(source + "S", list(shape), [], True, consumers=[reader.name])
        w.lines.append(f'    %{cache.name} = te.cache_read %{source} "local" for [%{reader.name}]')
        stages.insert(0, cache)
        by_name[cache.name] = cache
    for stage in stages:
        _axes_line(w, stage, stage.shape, stage.reduce)
        draw(_loop_transforms(w, stage))
        draw(_annotations(w, stage))
    # Where each producer is computed: consumers are decided first (reverse topological order).
    for stage in reversed(stages):
        if stage is output:
            continue
        (consumer_name,) = stage.consumers
        consumer = by_name[consumer_name]
        choices = ["root"]
        if consumer.attach != "inline":
            choices.append("at")
        if stage.elementwise and not stage.name.endswith("L"):
            choices.append("inline")
        choice = draw(st.sampled_from(choices))
        if choice == "root" and "at" in choices and draw(st.booleans()):
            # compute_root undoes an earlier compute_at
            targets = [a for a in consumer.leaves if a.kind != "vectorized"]
            if targets:
                w.lines.append(f"    te.compute_at %{stage.name} at %{consumer.name} {draw(st.sampled_from(targets)).name}")
                w.lines.append(f"    te.compute_root %{stage.name}")
        if choice == "at":
            targets = [a for a in consumer.leaves if a.kind != "vectorized"]
            if not targets:
                continue
            axis = draw(st.sampled_from(targets))
            w.lines.append(f"    te.compute_at %{stage.name} at %{consumer.name} {axis.name}")
            stage.attach = "at"
            if draw(st.booleans()):
                w.lines.append(f"    te.double_buffer %{stage.name}")
        # storage_align pads the innermost dimension, so it aligns the outer row of 2-D stages
        if choice != "inline" and sum(not a.reduce for a in stage.roots) == 2 and draw(st.booleans()):
            factor = draw(st.integers(1, 8))
            offset = draw(st.integers(0, factor - 1))
            w.lines.append(f"    te.storage_align %{stage.name} {stage.roots[0].name} factor {factor} offset {offset}")
        if choice == "inline":
            w.lines.append(f"    te.compute_inline %{stage.name}")
            stage.attach = "inline"
    w.lines.append("  }")
    args = ", ".join(f"%{n}: {_t(s)}" for n, s in inputs)
    out_type = _t(output.shape)
    text = "\n".join([f"func.func @main({args}) -> {out_type} {{", *w.lines, f"  func.return %{output.name} : {out_type}", "}"])
    return Program(text, inputs)
