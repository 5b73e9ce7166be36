"""The registry of passes by pipeline name, and the default one holding tessel's passes."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import cache
from types import MappingProxyType

from xdsl.passes import ModulePass, PassOptionInfo, get_pass_option_infos
from xdsl.transforms import get_all_passes

# tessel's own passes: one module per pass, `passes/<name with _>.py`; add a pass here.
TESSEL_PASS_NAMES: tuple[str, ...] = (
    "fuse-ops",
    "graph-simplify",
    "lower-graph-to-te",
    "lower-te-to-loop",
    "loop-simplify",
    "loop-unroll",
    "loop-vectorize",
    "loop-storage-flatten",
    "convert-loop-to-llvm",
    "compile-llvm",
)

# xDSL's generic passes that tessel reuses by name.
XDSL_PASS_NAMES: tuple[str, ...] = (
    "canonicalize",
    "cse",
    "dce",
    "licm",
    "convert-scf-to-cf",
    "reconcile-unrealized-casts",
)


class PipelineError(ValueError):
    """A pipeline names an unknown pass or gives a pass bad options."""


class PassRegistry:
    """An immutable map from pipeline name to ModulePass class."""

    def __init__(self, pass_classes: Iterable[type[ModulePass]] = ()) -> None:
        passes: dict[str, type[ModulePass]] = {}
        for pass_class in pass_classes:
            if pass_class.name in passes:
                raise ValueError(f"pass registry: pass '{pass_class.name}' registered twice")
            passes[pass_class.name] = pass_class
        self._passes = MappingProxyType(passes)

    def get(self, name: str) -> type[ModulePass]:
        """The pass class named `name`; PipelineError listing the known names if none is."""
        if name not in self._passes:
            raise PipelineError(f"unknown pass '{name}'; known passes: {', '.join(self.names())}")
        return self._passes[name]

    def names(self) -> tuple[str, ...]:
        """The registered pipeline names, sorted."""
        return tuple(sorted(self._passes))

    def options(self, name: str) -> tuple[PassOptionInfo, ...]:
        """The options of the pass named `name`: name, type and default."""
        return get_pass_option_infos(self.get(name))

    def extended(self, pass_classes: Iterable[type[ModulePass]]) -> PassRegistry:
        """A new registry holding these passes and `pass_classes`."""
        return PassRegistry([*self._passes.values(), *pass_classes])

    def __contains__(self, name: object) -> bool:
        return name in self._passes

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._passes)


@cache
def default_registry() -> PassRegistry:
    """tessel's passes plus the xDSL generic passes it reuses."""
    xdsl_passes = get_all_passes()
    tessel_classes = [load_tessel_pass(name) for name in TESSEL_PASS_NAMES]
    return PassRegistry([*(xdsl_passes[name]() for name in XDSL_PASS_NAMES), *tessel_classes])


def load_tessel_pass(name: str) -> type[ModulePass]:
    """The ModulePass named `name` defined in `tessel.passes.<name with _>`."""
    module = importlib.import_module(f"{__package__}.{name.replace('-', '_')}")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ModulePass)
        and value.__module__ == module.__name__
        and getattr(value, "name", None) == name
    ]
    if len(found) != 1:
        raise ImportError(f"{module.__name__}: expected one ModulePass named '{name}', found {len(found)}")
    return found[0]
