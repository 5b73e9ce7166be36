"""onnx's own backend node tests, run through tessel as an onnx backend: interpreted and compiled.

Node tests of every supported op type run; those whose graph uses an op type in UNSUPPORTED_OP_TYPES are
skipped, those in KNOWN_FAILURES are expected failures (tests/onnx_node_excludes.py). They run three ways:
OnnxBackendNodeModelTest runs them all through the graph interpreter (mode "interpret");
OnnxBackendNodeCompiledTest runs one test per supported op (REPRESENTATIVE_TESTS) through the compiler (the
backend's default mode), and OnnxBackendNodeCompiledSlowTest (marked slow) the rest of them; the compiled runs
also expect COMPILED_KNOWN_FAILURES to fail. Only the node suite runs: the Real suite needs its light models
turned into data by onnx's slow Python ReferenceEvaluator and written under ~/.onnx, and the Simple/PyTorch*
suites are outside this file's scope (node tests only).
`python -m tessel.tests.test_onnx_backend` runs all of them and prints the passing tests per op type.
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
from tessel.frontends.onnx_backend import CompileError, TesselBackend, TesselRep  # noqa: E402
from tessel.tests.onnx_node_excludes import COMPILED_KNOWN_FAILURES, KNOWN_FAILURES, UNSUPPORTED_OP_TYPES  # noqa: E402

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


class InterpreterBackend(TesselBackend):
    """The backend in the interpreter mode, whatever mode is asked for."""

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", mode: str | None = None, **kwargs: object) -> TesselRep:
        return super().prepare(model, device, mode="interpret", **kwargs)


class CompilerBackend(TesselBackend):
    """The backend in the compiled mode, whatever mode is asked for (or TESSEL_ONNX_BACKEND_MODE says)."""

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", mode: str | None = None, **kwargs: object) -> TesselRep:
        return super().prepare(model, device, mode="compile", **kwargs)


def _patterns(*failures: dict[str, tuple[str, ...]]) -> list[str]:
    return [pattern for lists in failures for patterns in lists.values() for pattern in patterns]


def _matches_any(name: str, patterns: list[str]) -> bool:
    return any(re.fullmatch(pattern, name) for pattern in patterns)


def representative_tests() -> list[str]:
    """One node test per supported op type for the default compiled run: of the tests named for the op (its
    unexpanded ones first), the first by name that is not skipped or expected to fail in either run."""
    failing = _patterns(KNOWN_FAILURES, COMPILED_KNOWN_FAILURES)
    skipped = set(unsupported_tests())
    chosen: dict[str, str] = {}
    for name in sorted(NODE_CASES, key=lambda n: (_EXPANDED.search(n) is not None, n)):
        op_type = op_under_test(name)
        if op_type in SUPPORTED_OPS and op_type not in chosen and name not in skipped and not _matches_any(name, failing):
            chosen[op_type] = name
    return sorted(chosen.values())


def _node_tests(
    backend: type[TesselBackend], xfail: list[str], only: list[str] | None = None, skip: tuple[str, ...] = ()
) -> type:
    """onnx's node test case class for `backend`: every node test not skipped (or just `only`), `xfail` expected to fail."""
    backend_test = BackendTest(backend, __name__)
    backend_test.exclude(r"_cuda$")
    # One alternation each: the runner tries every pattern on every test, and there are over a thousand names.
    backend_test.exclude(rf"^(?:{'|'.join([*unsupported_tests(), *skip])})_cpu$")
    if only is not None:
        backend_test.include(rf"^(?:{'|'.join(only)})_cpu$")
    backend_test.xfail(rf"^(?:{'|'.join(xfail)})_cpu$")
    with warnings.catch_warnings():
        # enable_report marks each case with onnx's coverage marker, which only onnx's own conftest registers.
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        return backend_test.enable_report().test_cases["OnnxBackendNodeModelTest"]


REPRESENTATIVE_TESTS = representative_tests()

OnnxBackendNodeModelTest = _node_tests(InterpreterBackend, _patterns(KNOWN_FAILURES))
OnnxBackendNodeCompiledTest = _node_tests(
    CompilerBackend, _patterns(KNOWN_FAILURES, COMPILED_KNOWN_FAILURES), only=REPRESENTATIVE_TESTS
)
OnnxBackendNodeCompiledSlowTest = _node_tests(
    CompilerBackend, _patterns(KNOWN_FAILURES, COMPILED_KNOWN_FAILURES), skip=tuple(REPRESENTATIVE_TESTS)
)
OnnxBackendNodeCompiledSlowTest.pytestmark = [pytest.mark.slow]


def test_every_op_type_is_supported_or_listed_unsupported() -> None:
    listed = set(SUPPORTED_OPS) | set(UNSUPPORTED_OP_TYPES)
    seen = {op_type for name in NODE_CASES for op_type in graph_op_types(name)}
    assert sorted(seen - listed) == [], "new op types in onnx's node tests: list them in UNSUPPORTED_OP_TYPES"
    assert sorted(set(SUPPORTED_OPS) & set(UNSUPPORTED_OP_TYPES)) == [], "supported now: drop from UNSUPPORTED_OP_TYPES"
    assert len(UNSUPPORTED_OP_TYPES) == len(set(UNSUPPORTED_OP_TYPES))


@pytest.mark.parametrize(
    ("failures", "reason"),
    [(KNOWN_FAILURES, reason) for reason in sorted(KNOWN_FAILURES)]
    + [(COMPILED_KNOWN_FAILURES, reason) for reason in sorted(COMPILED_KNOWN_FAILURES)],
    ids=lambda value: value if isinstance(value, str) else "compiled" if value is COMPILED_KNOWN_FAILURES else "interpreted",
)
def test_known_failures_each_match_tests_of_one_op(failures: dict[str, tuple[str, ...]], reason: str) -> None:
    for pattern in failures[reason]:
        matched = [name for name in NODE_CASES if re.fullmatch(pattern, name)]
        assert matched, f"{pattern!r} ({reason}) matches no node test"
        assert len({op_under_test(name) for name in matched}) == 1, f"{pattern!r} matches tests of several ops"
        skipped = set(matched) & set(unsupported_tests())
        assert not skipped, f"{pattern!r} also matches tests skipped for an unsupported op type: {sorted(skipped)}"
        if failures is COMPILED_KNOWN_FAILURES:
            interpreted = [name for name in matched if _matches_any(name, _patterns(KNOWN_FAILURES))]
            assert not interpreted, f"{pattern!r} matches tests already in KNOWN_FAILURES: {interpreted}"


def _report() -> int:
    """Runs this module (slow tests too) and prints the passing node tests per op under test, interpreted and
    compiled; pytest's exit code."""
    passed: dict[str, Counter[str]] = {"interpreted": Counter(), "compiled": Counter()}
    outcomes: dict[str, Counter[str]] = {"interpreted": Counter(), "compiled": Counter()}
    skipped = set(unsupported_tests())

    class Recorder:
        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            test = report.nodeid.rsplit("::", 1)[-1]
            name = test.removesuffix("_cpu")
            if not test.endswith("_cpu") or name not in NODE_CASES or not (report.when == "call" or report.skipped):
                return
            run = "interpreted" if "::OnnxBackendNodeModelTest::" in report.nodeid else "compiled"
            xfailed = hasattr(report, "wasxfail")
            slow = "::OnnxBackendNodeCompiledSlowTest::" in report.nodeid
            if run == "compiled" and report.skipped and not xfailed and not (slow and name in skipped):
                return  # each compiled test class skips the other's tests; count the unsupported ones once
            outcomes[run]["xfailed" if xfailed else report.outcome] += 1
            if report.passed:
                passed[run][op_under_test(name)] += 1

    code = pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-m", ""], plugins=[Recorder()])
    sys.stdout.write(f"{'op under test':26} {'interpreted':>11} {'compiled':>8}\n")
    for op_type in sorted(set(passed["interpreted"]) | set(passed["compiled"])):
        how = "" if op_type in SUPPORTED_OPS else "  (unsupported op: only its _expanded tests)"
        sys.stdout.write(f"{op_type:26} {passed['interpreted'][op_type]:11} {passed['compiled'][op_type]:8}{how}\n")
    for run, counts in outcomes.items():
        sys.stdout.write(f"{'cpu node tests, ' + run:26} {dict(counts)} (skipped: use an unsupported op type)\n")
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


def test_the_compiled_mode_is_the_default_and_runs_compiled_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from tessel.model_compiler import CompiledModel

    monkeypatch.delenv("TESSEL_ONNX_BACKEND_MODE", raising=False)
    rep = TesselBackend.prepare(_add_model())
    assert rep.mode == "compile" and isinstance(rep.compiled, CompiledModel)
    result = rep.run([np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32)])
    np.testing.assert_array_equal(result.sum, [4.0, 6.0])


def test_the_interpreter_mode_runs_without_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSEL_ONNX_BACKEND_MODE", "compile")  # the argument wins over the environment
    rep = TesselBackend.prepare(_add_model(), mode="interpret")
    assert rep.mode == "interpret" and rep.compiled is None
    np.testing.assert_array_equal(rep.run({"a": [1, 2], "b": [3, 4]}).sum, [4.0, 6.0])
    (result,) = TesselBackend.run_node(onnx.helper.make_node("Relu", ["x"], ["y"]), [np.float32([-1, 2])], mode="interpret")
    np.testing.assert_array_equal(result, [0.0, 2.0])


def test_the_environment_picks_the_mode_and_an_unknown_mode_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSEL_ONNX_BACKEND_MODE", "interpret")
    assert TesselBackend.prepare(_add_model()).compiled is None
    with pytest.raises(ValueError, match="mode must be one of compile, interpret; got 'jit'"):
        TesselBackend.prepare(_add_model(), mode="jit")
    monkeypatch.setenv("TESSEL_ONNX_BACKEND_MODE", "jit")
    with pytest.raises(ValueError, match="TESSEL_ONNX_BACKEND_MODE must be one of"):
        TesselBackend.prepare(_add_model())


def test_a_runtime_shape_input_specialization_is_compiled() -> None:
    rep = TesselBackend.prepare(_reshape_model(), mode="compile")
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    (y,) = rep.run([x, np.array([4, 6], np.int64)])
    np.testing.assert_array_equal(y, x.reshape(4, 6))
    ((_, _, compiled),) = rep.specializations.values()
    assert compiled is not None


def test_an_op_the_compiler_cannot_lower_is_a_clear_error_not_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from tessel.ops import registry

    monkeypatch.delitem(registry._COMPUTES, "graph.add")  # the operator library without Add's compute
    with pytest.raises(CompileError, match=r"cannot compile the model: .*graph\.add: the operator library has no compute"):
        TesselBackend.prepare(_add_model())
    assert TesselBackend.prepare(_add_model(), mode="interpret").run([[1, 2], [3, 4]]).sum.tolist() == [4.0, 6.0]
