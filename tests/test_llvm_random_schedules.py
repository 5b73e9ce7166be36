"""The LLVM backend on random computes with random legal schedules: `tessel.build(..., target="llvm")` of
the loop IR that lower-te-to-loop makes computes what the loop interpreter computes on the same inputs,
on one thread and on two (parallel loops), with the thread count from the module or TESSEL_NUM_THREADS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp

import tessel
from tessel.backends.llvm import NUM_THREADS_ENV, Module, loop_signatures
from tessel.dialects.loop.interpreter import run_loop_function
from tessel.tests.te_schedule_strategies import Program, scheduled_programs

# An example takes ~0.1 s (most of it LLVM's JIT); the whole profile's examples, at least 100.
EXAMPLES = max(100, settings().max_examples)


@contextmanager
def num_threads_env(threads: int | None) -> Iterator[None]:
    """TESSEL_NUM_THREADS set to `threads` (unset for None) while the block runs."""
    old = os.environ.get(NUM_THREADS_ENV)
    if threads is None:
        os.environ.pop(NUM_THREADS_ENV, None)
    else:
        os.environ[NUM_THREADS_ENV] = str(threads)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(NUM_THREADS_ENV, None)
        else:
            os.environ[NUM_THREADS_ENV] = old


def lowered(program: Program, seed: int) -> tuple[ModuleOp, list[np.ndarray], np.ndarray]:
    """The program's loop IR, random inputs, and the loop interpreter's result on them."""
    note(program.text)
    module = tessel.parse(program.text)
    tessel.run_pipeline(module, "lower-te-to-loop")
    note(tessel.print_ir(module))
    rng = np.random.default_rng(seed)
    inputs = [rng.uniform(-1, 1, shape).astype(np.float32) for _, shape in program.inputs]
    (signature,) = [s for s in loop_signatures(module) if s.name == program.name]
    out = signature.params[-1]
    expected = np.full(out.shape, np.nan, dtype=out.dtype)
    run_loop_function(module, program.name, [*inputs, expected])
    return module, inputs, expected


def build(module: ModuleOp) -> Module:
    return tessel.build(module, target="llvm", name="main")


def run_compiled(mod: Module, inputs: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    output = np.full(like.shape, np.nan, dtype=like.dtype)
    mod(*[a.copy() for a in inputs], output)
    return output


def check(program: Program, threads: int, seed: int = 0) -> None:
    module, inputs, expected = lowered(program, seed)
    mod = build(module)
    mod.num_threads = threads
    actual = run_compiled(mod, inputs, expected)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5, err_msg=f"{threads} thread(s)")


@settings(max_examples=EXAMPLES)
@given(scheduled_programs(), st.sampled_from([1, 2]))
def test_random_schedules_compile_to_what_the_loop_interpreter_computes(program: Program, threads: int) -> None:
    check(program, threads)


@settings(max_examples=max(50, settings().max_examples // 4))
@given(scheduled_programs().filter(lambda p: "te.parallel" in p.text), st.sampled_from([1, 2]))
def test_parallel_schedules_take_their_thread_count_from_the_environment(program: Program, threads: int) -> None:
    module, inputs, expected = lowered(program, seed=1)
    with num_threads_env(threads):
        mod = build(module)
    assert mod.num_threads == threads
    for count in (threads, 3 - threads):  # the same compiled code on 1 then 2 threads, or 2 then 1
        mod.num_threads = count
        actual = run_compiled(mod, inputs, expected)
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5, err_msg=f"{count} thread(s)")
