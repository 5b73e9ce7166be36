"""Parse MLIR-syntax pipeline strings into passes and run them, with per-pass timing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import get_type_hints

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassOptionInfo, get_pass_option_infos

# Private, but it is exactly the option conversion `from_spec` applies (xdsl is pinned).
from xdsl.utils.arg_spec import (
    ArgSpec,
    ParameterListType,
    _convert_arg_to_type,  # pyright: ignore[reportPrivateUsage]
)
from xdsl.utils.arg_spec import parse_pipeline as parse_arg_specs
from xdsl.utils.exceptions import ArgSpecParseError, VerifyException

from tessel.dialects.context import make_context
from tessel.passes.registry import PassRegistry, PipelineError, default_registry

AfterEachHook = Callable[[ModulePass, ModuleOp], None]


class PassVerifyError(VerifyException):
    """The module failed to verify after a pass; the verifier's error is the __cause__."""

    def __init__(self, pass_name: str, error: Exception) -> None:
        super().__init__(f"verification failed after pass '{pass_name}': {error}")
        self.pass_name = pass_name


@dataclass
class PassTiming:
    """Wall time of each pass execution, in run order; renders an mlir-opt style report."""

    entries: list[tuple[str, float]] = field(default_factory=lambda: [])

    def record(self, pass_name: str, seconds: float) -> None:
        """Add one pass execution."""
        self.entries.append((pass_name, seconds))

    @property
    def total(self) -> float:
        """Seconds spent in all recorded passes."""
        return sum(seconds for _, seconds in self.entries)

    def report(self) -> str:
        """A table like `mlir-opt --mlir-timing`: seconds and percent per pass, then the total."""
        total = self.total
        rule = "===" + "-" * 73 + "==="
        rows = [*self.entries, ("Total", total)]
        return "\n".join(
            [
                rule,
                "... Pass execution timing report ...".center(len(rule)).rstrip(),
                rule,
                f"  Total Execution Time: {total:.4f} seconds",
                "",
                "  ----Wall Time----  ----Name----",
                *(f"  {seconds:8.4f} ({_percent(seconds, total):5.1f}%)  {name}" for name, seconds in rows),
            ]
        )


def _percent(part: float, total: float) -> float:
    return 100.0 * part / total if total > 0 else 0.0


def parse_pass_pipeline(pipeline: str, registry: PassRegistry | None = None) -> tuple[ModulePass, ...]:
    """The passes named by `pipeline` (e.g. `cse,fuse-ops{max-group-size=4}`); "" gives none."""
    registry = default_registry() if registry is None else registry
    try:
        specs = tuple(parse_arg_specs(pipeline))
    except ArgSpecParseError as err:  # a BaseException in xdsl
        raise PipelineError(str(err).rstrip()) from err
    return tuple(instantiate_pass(spec, registry) for spec in specs)


def instantiate_pass(spec: ArgSpec, registry: PassRegistry) -> ModulePass:
    """The pass `spec` names, with its options checked against the pass's fields."""
    pass_class = registry.get(spec.name)
    infos = {info.name: info for info in get_pass_option_infos(pass_class)}
    hints = get_type_hints(pass_class)
    for key, values in spec.parameters.items():
        info = infos.get(key.replace("-", "_"))
        if info is None:
            raise PipelineError(f"pass '{spec.name}' has no option '{key}'; valid options: {_describe_options(infos.values())}")
        try:
            _convert_arg_to_type(values, hints[info.name])
        except ValueError as err:
            raise PipelineError(
                f"pass '{spec.name}': bad value for option '{key}': expected {info.expected_type}, got {_describe_values(values)}"
            ) from err
    try:
        return pass_class.from_spec(spec)
    except ValueError as err:  # e.g. a required option is missing
        raise PipelineError(f"pass '{spec.name}': {err}") from err


def _describe_options(infos: Iterable[PassOptionInfo]) -> str:
    described = [
        f"{info.name.replace('_', '-')}: {info.expected_type}"
        + ("" if info.default_value is None else f" = {info.default_value}")
        for info in infos
    ]
    return ", ".join(described) if described else "(none)"


def _describe_values(values: ParameterListType) -> str:
    return ",".join(str(value) for value in values) if values else "no value"


def run_passes(
    module: ModuleOp,
    passes: Sequence[ModulePass],
    *,
    ctx: Context | None = None,
    timing: PassTiming | None = None,
    after_each: AfterEachHook | None = None,
    verify_each: bool = True,
) -> None:
    """Apply `passes` in order; `after_each` sees the IR after each pass, before it is verified."""
    ctx = make_context() if ctx is None else ctx
    for pass_ in passes:
        start = perf_counter()
        pass_.apply(ctx, module)
        if timing is not None:
            timing.record(pass_.name, perf_counter() - start)
        if after_each is not None:
            after_each(pass_, module)
        if verify_each:
            try:
                module.verify()
            except VerifyException as err:
                raise PassVerifyError(pass_.name, err) from err


def run_pipeline(
    module: ModuleOp,
    pipeline: str,
    *,
    ctx: Context | None = None,
    registry: PassRegistry | None = None,
    timing: PassTiming | None = None,
    after_each: AfterEachHook | None = None,
    verify_each: bool = True,
) -> None:
    """Parse `pipeline` against `registry` (default: tessel's) and apply its passes to `module`."""
    passes = parse_pass_pipeline(pipeline, registry)
    run_passes(module, passes, ctx=ctx, timing=timing, after_each=after_each, verify_each=verify_each)
