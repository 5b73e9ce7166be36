"""The process's thread pool for parallel loops: `void tessel_parallel_launch(ptr entry, ptr slots, i64 t)`.

Generated code fills `t` slots ({i64 begin, i64 end, ptr ctx, i64 unused}, 32 bytes each) and calls the
launch, which runs `entry(&slots[0])` on the calling thread and `entry(&slots[k])` on pool worker k
(1 <= k < t), returning when every chunk is done. Workers are native threads started on first need and
kept for the life of the process: they spin briefly on the pool's generation counter after each task
(so the next parallel loop, typically the next kernel of a model, starts in about a microsecond) and
then sleep on a condition variable. Starting threads per loop cost ~30 us, more than many kernels take.
One launch at a time: a launch made while another runs (a second Python thread, a nested parallel
loop) runs its chunks serially on its own thread, so the machine is never oversubscribed. A child
process made by fork() finds no workers of its own (the launch compares getpid() with the pool's
owner) and starts its own on first need.

The pool is LLVM IR compiled once per process with llvmlite; `ensure_thread_pool()` registers its
entry point with LLVM's symbol table so that JIT-compiled kernels (and cached objects) link against it.
"""

from __future__ import annotations

from functools import cache

import llvmlite.binding as llvm

from tessel.backends.llvm.target import host_target

PARALLEL_LAUNCH_SYMBOL = "tessel_parallel_launch"
"""The launch function's name (the llvm lowering calls it: passes/llvm_lowering/symbols.py)."""

SLOT_BYTES = 32
SPIN_ITERATIONS = 1 << 15
"""Pause instructions a worker spins through before it sleeps (~100-300 us)."""

_ENGINES: list[llvm.ExecutionEngine] = []  # the pool's code must outlive every kernel


def pool_ir(triple: str) -> str:
    """The pool's LLVM IR for `triple` (x86 spins with `pause`)."""
    relax = "call void @llvm.x86.sse2.pause()" if triple.startswith(("x86_64", "i686", "i386")) else ""
    relax_declaration = "declare void @llvm.x86.sse2.pause()" if relax else ""
    return f"""
@mutex = internal global [64 x i8] zeroinitializer, align 64
@cond = internal global [64 x i8] zeroinitializer, align 64
@generation = internal global i64 0, align 64
@task_entry = internal global ptr null, align 64
@task_slots = internal global ptr null, align 8
@task_count = internal global i64 0, align 8
@pending = internal global i64 0, align 64
@workers = internal global i64 0, align 64
@busy = internal global i32 0, align 64

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare i32 @pthread_cond_wait(ptr, ptr)
declare i32 @pthread_cond_broadcast(ptr)
declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @pthread_detach(i64)
declare i32 @sched_yield()
declare i32 @getpid()
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
{relax_declaration}

; The process the workers belong to. In a child made by fork() they do not exist: start over with none.
@owner = internal global i32 0, align 4

define internal void @adopt_after_fork() {{
start:
  %pid = call i32 @getpid()
  %owner = load i32, ptr @owner, align 4
  %same = icmp eq i32 %pid, %owner
  br i1 %same, label %done, label %reset
reset:
  call void @llvm.memset.p0.i64(ptr @mutex, i8 0, i64 64, i1 false)
  call void @llvm.memset.p0.i64(ptr @cond, i8 0, i64 64, i1 false)
  store i64 0, ptr @workers, align 8
  store i64 0, ptr @pending, align 8
  store i32 0, ptr @busy, align 4
  store i32 %pid, ptr @owner, align 4
  br label %done
done:
  ret void
}}

define internal void @relax() {{
  {relax}
  ret void
}}

define internal void @run_chunks(ptr %entry, ptr %slots, i64 %from, i64 %to) {{
start:
  %any = icmp slt i64 %from, %to
  br i1 %any, label %loop, label %done
loop:
  %k = phi i64 [ %from, %start ], [ %next, %loop ]
  %offset = mul i64 %k, {SLOT_BYTES}
  %slot = getelementptr inbounds i8, ptr %slots, i64 %offset
  %ignored = call ptr %entry(ptr %slot)
  %next = add i64 %k, 1
  %more = icmp slt i64 %next, %to
  br i1 %more, label %loop, label %done
done:
  ret void
}}

define internal ptr @worker(ptr %arg) {{
entry:
  %id = ptrtoint ptr %arg to i64
  br label %wait
wait:
  %seen = phi i64 [ 0, %entry ], [ %gen, %after ]
  br label %spin
spin:
  %i = phi i64 [ 0, %wait ], [ %i.next, %spin.relax ]
  %g = load atomic i64, ptr @generation acquire, align 8
  %changed = icmp ne i64 %g, %seen
  br i1 %changed, label %take, label %spin.next
spin.next:
  %i.next = add i64 %i, 1
  %keep = icmp ult i64 %i.next, {SPIN_ITERATIONS}
  br i1 %keep, label %spin.relax, label %sleep
spin.relax:
  call void @relax()
  br label %spin
sleep:
  %l1 = call i32 @pthread_mutex_lock(ptr @mutex)
  br label %sleep.check
sleep.check:
  %g2 = load atomic i64, ptr @generation acquire, align 8
  %same = icmp eq i64 %g2, %seen
  br i1 %same, label %sleep.wait, label %sleep.done
sleep.wait:
  %w1 = call i32 @pthread_cond_wait(ptr @cond, ptr @mutex)
  br label %sleep.check
sleep.done:
  %u1 = call i32 @pthread_mutex_unlock(ptr @mutex)
  br label %take
take:
  %l2 = call i32 @pthread_mutex_lock(ptr @mutex)
  %gen = load i64, ptr @generation, align 8
  %fn = load ptr, ptr @task_entry, align 8
  %slots = load ptr, ptr @task_slots, align 8
  %count = load i64, ptr @task_count, align 8
  %u2 = call i32 @pthread_mutex_unlock(ptr @mutex)
  %mine = icmp ult i64 %id, %count
  br i1 %mine, label %run, label %after
run:
  %offset = mul i64 %id, {SLOT_BYTES}
  %slot = getelementptr inbounds i8, ptr %slots, i64 %offset
  %ignored = call ptr %fn(ptr %slot)
  %old = atomicrmw sub ptr @pending, i64 1 acq_rel
  br label %after
after:
  br label %wait
}}

define void @{PARALLEL_LAUNCH_SYMBOL}(ptr %entry, ptr %slots, i64 %t) {{
start:
  %handle = alloca i64, align 8
  %multi = icmp sgt i64 %t, 1
  br i1 %multi, label %adopt, label %serial
adopt:
  call void @adopt_after_fork()
  br label %claim
claim:
  %pair = cmpxchg ptr @busy, i32 0, i32 1 acquire monotonic
  %claimed = extractvalue {{ i32, i1 }} %pair, 1
  br i1 %claimed, label %grow, label %serial
serial:
  call void @run_chunks(ptr %entry, ptr %slots, i64 0, i64 %t)
  ret void
grow:
  %need = sub i64 %t, 1
  %have = load i64, ptr @workers, align 8
  %enough = icmp sge i64 %have, %need
  br i1 %enough, label %publish, label %spawn
spawn:
  %w = phi i64 [ %have, %grow ], [ %w.next, %spawned ]
  %w.next = add i64 %w, 1
  %id = inttoptr i64 %w.next to ptr
  %rc = call i32 @pthread_create(ptr %handle, ptr null, ptr @worker, ptr %id)
  %ok = icmp eq i32 %rc, 0
  br i1 %ok, label %spawned, label %publish
spawned:
  %h = load i64, ptr %handle, align 8
  %d = call i32 @pthread_detach(i64 %h)
  store i64 %w.next, ptr @workers, align 8
  %more = icmp slt i64 %w.next, %need
  br i1 %more, label %spawn, label %publish
publish:
  %workers = load i64, ptr @workers, align 8
  %fewer = icmp slt i64 %workers, %need
  %helpers = select i1 %fewer, i64 %workers, i64 %need
  %l = call i32 @pthread_mutex_lock(ptr @mutex)
  store ptr %entry, ptr @task_entry, align 8
  store ptr %slots, ptr @task_slots, align 8
  %count = add i64 %helpers, 1
  store i64 %count, ptr @task_count, align 8
  store atomic i64 %helpers, ptr @pending release, align 8
  %g = load i64, ptr @generation, align 8
  %g.next = add i64 %g, 1
  store atomic i64 %g.next, ptr @generation release, align 8
  %b = call i32 @pthread_cond_broadcast(ptr @cond)
  %u = call i32 @pthread_mutex_unlock(ptr @mutex)
  call void @run_chunks(ptr %entry, ptr %slots, i64 0, i64 1)
  call void @run_chunks(ptr %entry, ptr %slots, i64 %count, i64 %t)
  br label %wait
wait:
  %i = phi i64 [ 0, %publish ], [ %i.next, %wait.relax ]
  %left = load atomic i64, ptr @pending acquire, align 8
  %finished = icmp eq i64 %left, 0
  br i1 %finished, label %finish, label %wait.next
wait.next:
  %i.next = add i64 %i, 1
  %long = icmp ugt i64 %i.next, {SPIN_ITERATIONS}
  br i1 %long, label %wait.yield, label %wait.relax
wait.yield:
  %y = call i32 @sched_yield()
  br label %wait.relax
wait.relax:
  call void @relax()
  br label %wait
finish:
  store atomic i32 0, ptr @busy release, align 4
  ret void
}}
"""


@cache
def ensure_thread_pool() -> int:
    """Compile the pool (once per process) and make `tessel_parallel_launch` resolvable; its address."""
    target = host_target()
    module = llvm.parse_assembly(pool_ir(target.triple))
    missing = [f.name for f in module.functions if f.is_declaration and not f.name.startswith("llvm.")]
    missing = [name for name in missing if not llvm.address_of_symbol(name)]
    if missing:  # MCJIT would abort the process on them
        raise RuntimeError(f"thread pool: this process does not define {', '.join(missing)}")
    module.verify()
    target.prepare(module)
    target.optimize(module)
    engine = llvm.create_mcjit_compiler(module, target.create_machine())
    engine.finalize_object()
    _ENGINES.append(engine)
    address = engine.get_function_address(PARALLEL_LAUNCH_SYMBOL)
    llvm.add_symbol(PARALLEL_LAUNCH_SYMBOL, address)
    return address
