"""Compiled modules by content: in memory (bounded, least recently used first out) and optionally on disk.

Keys hash a source text with the target's fingerprint (triple, CPU, features, opt level, LLVM version).
In memory the source is what the caller names (LLVM IR, or the loop IR a build starts from plus its
pipeline, which skips the passes on a hit); on disk it is always the LLVM IR, so an entry stays right
when the compiler's passes change between processes. On disk a module is two files, `<key>.o` (the
object code) and `<key>.json` (optimized IR, external symbols, the object's hash).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import llvmlite.ir as ir

from tessel.backends.llvm.jit import CompiledModule, compile_ir, llvm_ir_text, load_object
from tessel.backends.llvm.target import HostTarget, host_target

CACHE_DIR_ENV = "TESSEL_CACHE_DIR"
_FORMAT = 1

_log = logging.getLogger(__name__)


@dataclass
class CacheStats:
    """What a cache did: compilations, hits in memory and on disk, modules written to disk."""

    compilations: int = 0
    memory_hits: int = 0
    disk_hits: int = 0
    disk_writes: int = 0


class CompileCache:
    """Compiled modules keyed by source and target: at most `max_entries` in memory, any number in `directory`."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, max_entries: int = 256):
        if max_entries < 1:
            raise ValueError(f"compile cache: max_entries must be at least 1, got {max_entries}")
        self.directory = Path(directory) if directory is not None else None
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._entries: OrderedDict[str, CompiledModule] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Modules held in memory."""
        return len(self._entries)

    def key(self, source: str, target: HostTarget) -> str:
        """The hex digest naming `source` compiled for `target`."""
        digest = hashlib.sha256()
        for part in (f"tessel-llvm-cache {_FORMAT}", target.fingerprint, source):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def compile(self, llvm_ir: str | ir.Module, target: HostTarget | None = None) -> CompiledModule:
        """`llvm_ir` compiled for `target`, compiling only if neither memory nor disk holds it."""
        text = llvm_ir_text(llvm_ir)
        return self.get_or_compile(text, lambda: text, target)

    def get_or_compile(
        self, key_source: str, produce_ir: Callable[[], str | ir.Module], target: HostTarget | None = None
    ) -> CompiledModule:
        """The module cached in memory under `key_source`, else the one on disk for `produce_ir()`, else that compiled."""
        target = target or host_target()
        key = self.key(key_source, target)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.stats.memory_hits += 1
                return found
        text = llvm_ir_text(produce_ir())
        disk_key = self.key(text, target)
        compiled = self._load(disk_key, target)
        if compiled is None:
            compiled = compile_ir(text, target)
            with self._lock:
                self.stats.compilations += 1
            self._store(disk_key, compiled)
        with self._lock:
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return compiled

    def clear(self) -> None:
        """Forget the modules held in memory (the disk directory stays)."""
        with self._lock:
            self._entries.clear()

    def _paths(self, key: str) -> tuple[Path, Path]:
        assert self.directory is not None
        return self.directory / f"{key}.o", self.directory / f"{key}.json"

    def _load(self, key: str, target: HostTarget) -> CompiledModule | None:
        if self.directory is None:
            return None
        object_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text())
            object_code = object_path.read_bytes()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            _log.warning("compile cache: ignoring unreadable entry %s: %s", meta_path, err)
            return None
        # A truncated or foreign object could crash LLVM's loader: load only what we wrote.
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or meta.get("sha256") != _sha256(object_code):
            _log.warning("compile cache: ignoring stale or damaged entry %s", meta_path)
            return None
        compiled = load_object(object_code, meta["optimized_ir"], meta["external_symbols"], target)
        with self._lock:
            self.stats.disk_hits += 1
        return compiled

    def _store(self, key: str, compiled: CompiledModule) -> None:
        if self.directory is None:
            return
        object_path, meta_path = self._paths(key)
        meta = {
            "format": _FORMAT,
            "target": compiled.target.fingerprint,
            "sha256": _sha256(compiled.object_code),
            "external_symbols": list(compiled.external_symbols),
            "optimized_ir": compiled.optimized_ir,
        }
        # Object first, metadata last, each renamed into place: a reader never sees half an entry.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(object_path, compiled.object_code)
            _write_atomically(meta_path, json.dumps(meta).encode())
        except OSError as err:
            _log.warning("compile cache: cannot write %s: %s", meta_path, err)
            return
        with self._lock:
            self.stats.disk_writes += 1


@cache
def default_cache() -> CompileCache:
    """The process's compile cache; on disk too when TESSEL_CACHE_DIR is set (read on first use)."""
    directory = os.environ.get(CACHE_DIR_ENV) or None
    return CompileCache(directory)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
