"""tessel's passes: the registry by pipeline name and the pipeline runner."""

from tessel.passes.pipeline import (
    AfterEachHook,
    PassTiming,
    PassVerifyError,
    instantiate_pass,
    parse_pass_pipeline,
    run_passes,
    run_pipeline,
)
from tessel.passes.registry import PassRegistry, PipelineError, default_registry

__all__ = [
    "AfterEachHook",
    "PassRegistry",
    "PassTiming",
    "PassVerifyError",
    "PipelineError",
    "default_registry",
    "instantiate_pass",
    "parse_pass_pipeline",
    "run_passes",
    "run_pipeline",
]
