"""The graph runtime: GraphPlan from a lowered graph function, the liveness memory plan, GraphModule runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessel
from tessel.backends.llvm.graph_plan import ALIGNMENT, GraphPlan, GraphPlanError, Step, TensorInfo, plan_memory
from tessel.dialects.graph.interpreter import run_function
from tessel.frontends.graph_builder import GraphBuilder


def chain_plan(sizes: list[int], outputs: int = 1) -> GraphPlan:
    """input -> t1 -> t2 -> ... (each step reads the previous tensor), f32 tensors of `sizes` elements."""
    plan = GraphPlan("chain", [TensorInfo("x", (4,), "float32", "input")], inputs=[0])
    for i, size in enumerate(sizes):
        kind = "output" if i >= len(sizes) - outputs else "intermediate"
        plan.tensors.append(TensorInfo(f"t{i}", (size,), "float32", kind))
        plan.steps.append(Step("k", (i,), (i + 1,)))
    plan.outputs = list(range(len(sizes) - outputs + 1, len(sizes) + 1))
    plan_memory(plan)
    return plan


def test_a_chain_reuses_dead_buffers() -> None:
    plan = chain_plan([256, 256, 256, 256])
    offsets = [t.offset for t in plan.tensors[1:]]
    assert offsets[0] == offsets[2] and offsets[1] != offsets[0]  # t2 takes t0's bytes once t1 has read them
    assert plan.peak_bytes == 3 * 1024 and plan.unplanned_bytes == 4 * 1024
    assert all(t.offset % ALIGNMENT == 0 for t in plan.tensors[1:])


def test_plan_round_trips_through_json() -> None:
    plan = chain_plan([10, 20, 30])
    assert GraphPlan.from_json(plan.to_json()) == plan


@st.composite
def random_plans(draw: st.DrawFn) -> GraphPlan:
    """Steps reading random earlier tensors and writing 1-2 new ones of random sizes; some outputs."""
    plan = GraphPlan("random", [TensorInfo("in", (8,), "float32", "input")], inputs=[0])
    for _ in range(draw(st.integers(1, 12))):
        reads = tuple(draw(st.lists(st.integers(0, len(plan.tensors) - 1), min_size=1, max_size=3, unique=True)))
        writes = []
        for _ in range(draw(st.integers(1, 2))):
            plan.tensors.append(TensorInfo(f"t{len(plan.tensors)}", (draw(st.integers(1, 300)),), "float32", "intermediate"))
            writes.append(len(plan.tensors) - 1)
        plan.steps.append(Step("k", reads, tuple(writes)))
    written = [t for s in plan.steps for t in s.outputs]
    plan.outputs = draw(st.lists(st.sampled_from(written), min_size=1, max_size=3, unique=True))
    for t in plan.outputs:
        plan.tensors[t] = TensorInfo(plan.tensors[t].name, plan.tensors[t].shape, "float32", "output")
    plan_memory(plan)
    return plan


@settings(max_examples=200, deadline=None)
@given(random_plans())
def test_tensors_alive_at_once_never_share_bytes(plan: GraphPlan) -> None:
    # A tensor is alive from the step writing it to the last step reading it (outputs: to the end).
    end = len(plan.steps)
    live: dict[int, tuple[int, int]] = {}
    for index, step in enumerate(plan.steps):
        for t in step.outputs:
            live[t] = (index, index)
    for index, step in enumerate(plan.steps):
        for t in step.inputs:
            if t in live:
                live[t] = (live[t][0], max(live[t][1], index))
    for t in plan.outputs:
        live[t] = (live[t][0], end)
    tensors = sorted(live)
    for i, a in enumerate(tensors):
        ta = plan.tensors[a]
        assert 0 <= ta.offset and ta.offset + ta.nbytes <= plan.arena_bytes
        for b in tensors[i + 1 :]:
            tb = plan.tensors[b]
            overlap_time = live[a][0] <= live[b][1] and live[b][0] <= live[a][1]
            overlap_bytes = ta.offset < tb.offset + tb.nbytes and tb.offset < ta.offset + ta.nbytes
            assert not (overlap_time and overlap_bytes), (ta, tb, live[a], live[b])
    assert plan.peak_bytes <= plan.unplanned_bytes


def small_model() -> tuple[object, np.ndarray]:
    g = GraphBuilder("model")
    x = g.input("x", (2, 16))
    w = g.weights(np.linspace(-1, 1, 256, dtype=np.float32).reshape(16, 16), "w")
    h = g.relu(g.dense(x, w))
    h = g.relu(g.dense(h, w))
    y = g.softmax(g.dense(h, w))
    return g.build(y), np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)


def test_compiled_model_equals_the_interpreter_and_reuses_memory() -> None:
    module, x = small_model()
    model = tessel.compile(module)
    (expected,) = run_function(module, "model", [x])
    (got,) = model.run(x=x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.run(x)[0], expected, rtol=1e-5, atol=1e-6)  # by position, and again
    assert len(model.plan.steps) == 4 and len(model.kernels) == 3  # the two dense+relu groups share a kernel
    assert model.peak_bytes < model.plan.unplanned_bytes
    assert model.weight_bytes == 16 * 16 * 4 and model.output_names == ["output0"]
    assert model.benchmark(number=2, repeat=2).min > 0


def test_run_checks_inputs() -> None:
    module, x = small_model()
    model = tessel.compile(module)
    with pytest.raises(TypeError, match="missing input"):
        model.run()
    with pytest.raises(KeyError, match="has no input 'y'; inputs: x"):
        model.run(y=x)
    with pytest.raises(ValueError, match=r"input 'x' must have shape \(2, 16\), got \(16, 2\)"):
        model.run(x=x.T)
    with pytest.raises(TypeError, match="input 'x' must be float32, got complex128"):
        model.run(x=x.astype(np.complex128))
    with pytest.raises(TypeError, match="given twice"):
        model.run(x, x=x)
    with pytest.raises(ValueError, match="num_threads must be a positive integer"):
        model.num_threads = 0


def test_save_and_load(tmp_path) -> None:
    module, x = small_model()
    model = tessel.compile(module)
    model.save(tmp_path / "m")
    again = tessel.load(tmp_path / "m")
    np.testing.assert_array_equal(again.run(x=x)[0], model.run(x=x)[0])
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["kernels.mlir", "meta.json", "plan.json", "weights"]
    (tmp_path / "m" / "meta.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="expected tessel-model version 1"):
        tessel.load(tmp_path / "m")
    with pytest.raises(ValueError, match="is not a saved tessel model"):
        tessel.load(tmp_path / "nothing")


def test_unlowered_graph_function_is_rejected() -> None:
    module, _ = small_model()
    with pytest.raises(GraphPlanError, match="graph.dense cannot run in the graph runtime"):
        GraphPlan.from_function(next(iter(module.ops)))


def test_compile_rejects_other_inputs() -> None:
    with pytest.raises(TypeError, match="expected an ONNX model"):
        tessel.compile(42)
    with pytest.raises(ValueError, match="unknown target 'cuda'"):
        tessel.compile(small_model()[0], target="cuda")
