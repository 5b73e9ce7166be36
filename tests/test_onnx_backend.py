"""onnx's own backend node tests, run through tessel (importer + graph interpreter) as an onnx backend.

Node tests of every supported op type run; those whose graph uses an op type in UNSUPPORTED_OP_TYPES are
skipped, those in KNOWN_FAILURES are expected failures (tests/onnx_node_excludes.py). Only the node suite
runs: the Real suite needs its light models turned into data by onnx's slow Python ReferenceEvaluator and
written under ~/.onnx, and the Simple/PyTorch* suites are outside this file's scope (node tests only).
`python -m tessel.tests.test_onnx_backend` prints the passing tests per op type.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import GraphProto  # noqa: E402
from onnx.backend.test import BackendTest  # noqa: E402
from onnx.backend.test.loader import load_model_tests  # noqa: E402

from tessel.frontends.onnx import SUPPORTED_OPS  # noqa: E402
from tessel.frontends.onnx_backend import TesselBackend  # noqa: E402
from tessel.tests.onnx_node_excludes import KNOWN_FAILURES, UNSUPPORTED_OP_TYPES  # noqa: E402

_EXPANDED = re.compile(r"_expanded(_ver\d+)?$")

with warnings.catch_warnings():
    # Building the cases computes reference outputs that overflow or divide by zero on purpose.
    warnings.simplefilter("ignore", RuntimeWarning)
    NODE_CASES = {case.name: case for case in load_model_tests(kind="node")}


def _graph(name: str) -> GraphProto:
    model = NODE_CASES[name].model
    assert model is not None, f"node test {name} has no model"  # node cases are built in memory
    return model.graph


def op_under_test(name: str) -> str:
    """The op a node test is named for: its one node, or for an `_expanded` test its unexpanded sibling's."""
    return _graph(_EXPANDED.sub("", name)).node[0].op_type


def graph_op_types(name: str) -> set[str]:
    return {node.op_type for node in _graph(name).node}


def unsupported_tests() -> list[str]:
    unsupported = set(UNSUPPORTED_OP_TYPES)
    return sorted(name for name in NODE_CASES if graph_op_types(name) & unsupported)


backend_test = BackendTest(TesselBackend, __name__)
backend_test.exclude(r"_cuda$")
# One alternation each: the runner tries every pattern on every test, and there are over a thousand names.
backend_test.exclude(rf"^(?:{'|'.join(unsupported_tests())})_cpu$")
backend_test.xfail(rf"^(?:{'|'.join(p for patterns in KNOWN_FAILURES.values() for p in patterns)})_cpu$")

with warnings.catch_warnings():
    # enable_report marks each case with onnx's coverage marker, which only onnx's own conftest registers.
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    _test_cases = backend_test.enable_report().test_cases
globals().update({"OnnxBackendNodeModelTest": _test_cases["OnnxBackendNodeModelTest"]})


def test_every_op_type_is_supported_or_listed_unsupported() -> None:
    listed = set(SUPPORTED_OPS) | set(UNSUPPORTED_OP_TYPES)
    seen = {op_type for name in NODE_CASES for op_type in graph_op_types(name)}
    assert sorted(seen - listed) == [], "new op types in onnx's node tests: list them in UNSUPPORTED_OP_TYPES"
    assert sorted(set(SUPPORTED_OPS) & set(UNSUPPORTED_OP_TYPES)) == [], "supported now: drop from UNSUPPORTED_OP_TYPES"
    assert len(UNSUPPORTED_OP_TYPES) == len(set(UNSUPPORTED_OP_TYPES))


@pytest.mark.parametrize("reason", sorted(KNOWN_FAILURES))
def test_known_failures_each_match_tests_of_one_op(reason: str) -> None:
    for pattern in KNOWN_FAILURES[reason]:
        matched = [name for name in NODE_CASES if re.fullmatch(pattern, name)]
        assert matched, f"{pattern!r} ({reason}) matches no node test"
        assert len({op_under_test(name) for name in matched}) == 1, f"{pattern!r} matches tests of several ops"
        skipped = set(matched) & set(unsupported_tests())
        assert not skipped, f"{pattern!r} also matches tests skipped for an unsupported op type: {sorted(skipped)}"


def _report() -> int:
    """Runs this module and prints the passing node tests per op under test; pytest's exit code."""
    passed: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()

    class Recorder:
        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            test = report.nodeid.rsplit("::", 1)[-1]
            name = test.removesuffix("_cpu")
            if not test.endswith("_cpu") or name not in NODE_CASES or not (report.when == "call" or report.skipped):
                return
            outcomes["xfailed" if hasattr(report, "wasxfail") else report.outcome] += 1
            if report.passed:
                passed[op_under_test(name)] += 1

    code = pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-m", ""], plugins=[Recorder()])
    for op_type, count in sorted(passed.items()):
        how = "" if op_type in SUPPORTED_OPS else "  (unsupported op: only its _expanded tests)"
        sys.stdout.write(f"{op_type:26} {count:4}{how}\n")
    sys.stdout.write(f"{'cpu node tests':26} {dict(outcomes)} (skipped: use an unsupported op type)\n")
    return int(code)


if __name__ == "__main__":
    sys.exit(_report())


def _add_model() -> onnx.ModelProto:
    inputs = [onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [2]) for n in ("a", "b")]
    outputs = [onnx.helper.make_tensor_value_info("sum", onnx.TensorProto.FLOAT, [2])]
    graph = onnx.helper.make_graph([onnx.helper.make_node("Add", ["a", "b"], ["sum"])], "add", inputs, outputs)
    return onnx.helper.make_model(graph)


def test_run_takes_a_dict_tensor_protos_and_casts_to_the_declared_dtype() -> None:
    a = onnx.numpy_helper.from_array(np.array([1.0, 2.0], np.float64))  # float64 is cast to the declared float32
    result = TesselBackend.prepare(_add_model()).run({"b": [10, 20], "a": a})
    assert result.sum.dtype == np.float32
    np.testing.assert_array_equal(result["sum"], [11.0, 22.0])
    np.testing.assert_array_equal(result[0], [11.0, 22.0])


def test_run_node_broadcasts_a_0d_scalar() -> None:
    (result,) = TesselBackend.run_node(
        onnx.helper.make_node("Mul", ["x", "k"], ["y"]), [np.ones((2, 3), np.float32), np.float32(3)]
    )
    np.testing.assert_array_equal(result, np.full((2, 3), 3.0, np.float32))


def test_only_the_cpu_is_supported() -> None:
    assert TesselBackend.supports_device("CPU") and not TesselBackend.supports_device("CUDA")
    with pytest.raises(ValueError, match="device 'CUDA'"):
        TesselBackend.prepare(_add_model(), "CUDA")


def _reshape_model() -> onnx.ModelProto:
    """Reshape whose target shape is a runtime graph input, not an initializer."""
    inputs = [
        onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 3, 4]),
        onnx.helper.make_tensor_value_info("shape", onnx.TensorProto.INT64, [2]),
    ]
    outputs = [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["rows", "columns"])]
    node = onnx.helper.make_node("Reshape", ["x", "shape"], ["y"])
    return onnx.helper.make_model(onnx.helper.make_graph([node], "reshape", inputs, outputs))


def test_a_runtime_shape_input_is_bound_at_run_and_each_specialization_cached() -> None:
    rep = TesselBackend.prepare(_reshape_model())
    assert rep.module is None and rep.constant_inputs == ["shape"]
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for shape in ([4, 6], [-1, 2], [4, 6]):
        (y,) = rep.run([x, np.array(shape, np.int64)])
        np.testing.assert_array_equal(y, x.reshape(shape))
    assert len(rep.specializations) == 2  # [4, 6] ran twice from one import
    rep.CACHE_SIZE = 1
    rep.run({"x": x, "shape": np.array([3, 8], np.int64)})
    assert len(rep.specializations) == 1


def test_an_unsupported_model_still_fails_in_prepare() -> None:
    from tessel.frontends.onnx import OnnxImportError

    inputs = [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2])]
    outputs = [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2])]
    graph = onnx.helper.make_graph([onnx.helper.make_node("Hardmax", ["x"], ["y"])], "hardmax", inputs, outputs)
    with pytest.raises(OnnxImportError, match="unsupported op type 'Hardmax'"):
        TesselBackend.prepare(onnx.helper.make_model(graph))
