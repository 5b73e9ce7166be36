"""lower-te-to-loop on random computes with random legal schedules: the loop interpreter's result
equals the te interpreter's (the te IR before the pass) on random inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

import tessel
from tessel.dialects.loop.interpreter import run_loop_function
from tessel.dialects.te.interpreter import run_te_function
from tessel.tests.te_schedule_strategies import Program, scheduled_programs


def check_lowering(program: Program, seed: int = 0) -> None:
    note(program.text)
    module = tessel.parse(program.text)
    rng = np.random.default_rng(seed)
    inputs = [rng.uniform(-1, 1, shape).astype(np.float32) for _, shape in program.inputs]
    (expected,) = run_te_function(module, program.name, inputs)
    tessel.run_pipeline(module, "lower-te-to-loop")
    note(tessel.print_ir(module))
    output = np.full(expected.shape, np.nan, dtype=np.float32)
    run_loop_function(module, program.name, [*inputs, output])
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)


@given(scheduled_programs())
def test_random_schedules_compute_what_the_te_function_defines(program: Program) -> None:
    check_lowering(program)
