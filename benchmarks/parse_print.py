"""Parse/print speed: tessel's Lark parser vs xDSL's own parser on the same 20,000-op module.

Run: python benchmarks/parse_print.py [--ops N] [--repeat R]
Reports seconds (best of R) and ops/s; the ratio is ours / xDSL's on the same generic text
(target: <= 1.0, never worse than 1.5).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from xdsl.dialects import arith, builtin, func, math
from xdsl.ir import Block, Region, SSAValue
from xdsl.parser import Parser as XdslParser

import tessel
from tessel.dialects.context import make_context


def build_module(op_count: int) -> builtin.ModuleOp:
    """A function of about `op_count` scalar ops: constants, arith with flags, math, compares, selects."""
    block = Block(arg_types=[builtin.f32, builtin.i32])
    x, n = block.args
    floats: list[SSAValue] = [x]
    ints: list[SSAValue] = [n]
    ops = block.ops
    while len(ops) < op_count - 1:
        i = len(ops)
        a, b = floats[-1], floats[i // 3 % len(floats)]
        p, q = ints[-1], ints[i // 5 % len(ints)]
        kind = i % 8
        if kind == 0:
            op = arith.ConstantOp(builtin.FloatAttr(float(i % 97) / 8, builtin.f32))
        elif kind == 1:
            op = arith.AddfOp(a, b, arith.FastMathFlagsAttr("fast"))
        elif kind == 2:
            op = arith.MulfOp(a, b)
        elif kind == 3:
            op = math.ExpOp(a)
        elif kind == 4:
            op = arith.ConstantOp(builtin.IntegerAttr(i, builtin.i32))
        elif kind == 5:
            op = arith.AddiOp(p, q)
        elif kind == 6:
            op = arith.CmpfOp(a, b, "olt")
            block.add_op(op)
            op = arith.SelectOp(op.result, a, b)
        else:
            op = arith.SIToFPOp(p, builtin.f32)
        block.add_op(op)
        target = ints if op.results[0].type == builtin.i32 else floats
        target.append(op.results[0])
    block.add_op(func.ReturnOp(floats[-1]))
    function = func.FuncOp("kernel", ((builtin.f32, builtin.i32), (builtin.f32,)), Region(block))
    return builtin.ModuleOp([function])


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    module = build_module(args.ops)
    count = sum(1 for _ in module.walk())
    generic = tessel.print_ir(module, generic=True)
    custom = tessel.print_ir(module)
    tessel.parse("builtin.module {}")  # build the LALR tables outside the timed region
    ctx = make_context()

    rows = [
        ("tessel parse, generic text", best_of(args.repeat, lambda: tessel.parse(generic))),
        ("xDSL parse, generic text", best_of(args.repeat, lambda: XdslParser(ctx, generic).parse_module())),
        ("tessel parse, custom text", best_of(args.repeat, lambda: tessel.parse(custom))),
        ("xDSL parse, custom text", best_of(args.repeat, lambda: XdslParser(ctx, custom).parse_module())),
        ("tessel print, custom", best_of(args.repeat, lambda: tessel.print_ir(module))),
        ("tessel print, generic", best_of(args.repeat, lambda: tessel.print_ir(module, generic=True))),
    ]
    print(f"module: {count} ops, generic text {len(generic) / 1e6:.2f} MB, custom text {len(custom) / 1e6:.2f} MB")
    print(f"{'what':32} {'seconds':>9} {'ops/s':>10}")
    for name, seconds in rows:
        print(f"{name:32} {seconds:9.3f} {count / seconds:10.0f}")
    ratio_generic = rows[0][1] / rows[1][1]
    ratio_custom = rows[2][1] / rows[3][1]
    print(f"ratio tessel/xDSL parse, generic: {ratio_generic:.2f}  (target <= 1.0)")
    print(f"ratio tessel/xDSL parse, custom:  {ratio_custom:.2f}")


if __name__ == "__main__":
    main()
