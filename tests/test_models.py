"""Whole models from tests/onnx_models.py compiled with tessel.compile: outputs match the graph interpreter
and onnxruntime; save/load, the memory plan and benchmark() work on them."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from xdsl.dialects import func  # noqa: E402

import tessel  # noqa: E402
from tessel.dialects.graph.interpreter import run_function  # noqa: E402
from tessel.frontends.onnx import import_onnx  # noqa: E402
from tessel.model_compiler import CompiledModel  # noqa: E402

from .onnx_models import SMALL_MODELS, mlp, random_inputs, resnet50  # noqa: E402

MODELS = {**SMALL_MODELS, "mlp_batch4": lambda: mlp(batch=4)}


@cache
def model(name: str) -> onnx.ModelProto:
    return MODELS[name]()


@cache
def compiled(name: str) -> CompiledModel:
    return tessel.compile(model(name), target="llvm")


def assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-4) -> None:
    """Elementwise close, with the absolute tolerance scaled to the size of the expected outputs."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * max(1.0, float(np.abs(expected).max())))


def onnxruntime_outputs(proto: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


@pytest.mark.parametrize("name", MODELS)
def test_compiled_model_matches_graph_interpreter(name: str) -> None:
    inputs = random_inputs(model(name))
    module = import_onnx(model(name))
    (function,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    expected = run_function(module, function.sym_name.data, list(inputs.values()))
    actual = compiled(name).run(**inputs)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert_close(a, e)


@pytest.mark.parametrize("name", MODELS)
def test_compiled_model_matches_onnxruntime(name: str) -> None:
    inputs = random_inputs(model(name), seed=1)
    expected = onnxruntime_outputs(model(name), inputs)
    actual = compiled(name).run(*inputs.values())  # by position this time
    for a, e in zip(actual, expected, strict=True):
        assert_close(a, e, rtol=1e-3)


def test_run_twice_on_new_inputs_gives_fresh_outputs() -> None:
    cnn = compiled("small_cnn")
    first, second = random_inputs(model("small_cnn"), seed=2), random_inputs(model("small_cnn"), seed=3)
    (a,) = cnn.run(**first)
    (b,) = cnn.run(**second)
    (a_again,) = cnn.run(**first)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, a_again)


@pytest.mark.parametrize("name", ["small_cnn", "transformer_encoder"])
def test_save_load_round_trip_gives_the_same_outputs(name: str, tmp_path: Path) -> None:
    inputs = random_inputs(model(name), seed=4)
    original = compiled(name)
    saved = original.save(tmp_path / f"{name}.tessel")
    assert {p.name for p in saved.iterdir()} >= {"kernels.mlir", "plan.json", "meta.json", "weights"}
    loaded = tessel.load(saved)
    assert loaded.output_names == original.output_names
    assert loaded.peak_bytes == original.peak_bytes
    for a, b in zip(loaded.run(**inputs), original.run(**inputs), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", MODELS)
def test_memory_plan_is_no_larger_than_unplanned(name: str) -> None:
    plan = compiled(name).plan
    assert 0 < compiled(name).peak_bytes <= plan.unplanned_bytes


def test_memory_plan_reuses_buffers_in_the_cnn() -> None:
    cnn = compiled("small_cnn")
    assert 0 < cnn.peak_bytes < cnn.plan.unplanned_bytes


def test_benchmark_returns_positive_times() -> None:
    result = compiled("mlp").benchmark(number=3, repeat=2)
    assert len(result.results) == 2 and result.number == 3
    assert all(t > 0 for t in result.results) and result.mean > 0


@pytest.mark.slow
def test_resnet50_matches_onnxruntime() -> None:
    proto = resnet50()
    inputs = random_inputs(proto)
    expected = onnxruntime_outputs(proto, inputs)
    start = time.perf_counter()
    resnet = tessel.compile(proto)
    seconds = time.perf_counter() - start
    print(f"resnet50: compiled in {seconds:.1f} s ({resnet.compile_seconds}), {len(resnet.kernels)} kernels")
    (actual,) = resnet.run(**inputs)
    assert_close(actual, expected[0], rtol=1e-3)
