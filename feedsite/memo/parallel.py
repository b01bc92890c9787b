"""Spread a job over the CPU's cores with forked worker processes.

The job is any callable of (start, stop) → list, over the items 0..total-1: forked workers inherit it
and everything it refers to, so nothing is pickled on the way in, only the results on the way back.
Results come back in item order, so the output never depends on scheduling. Errors raised in a
worker (FeedsiteError with its problems, or any other) are raised again in the caller.

``spread(job, total)`` is the Spread that build.py hands to the stages (the serial default runs the
job in one go); ``chunks`` is the same with the threshold and chunk size to choose.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from feedsite.errors import FeedsiteError, Problem

T = TypeVar("T")
Job = Callable[[int, int], list[Any]]

# Fewer items than this run in this process: forking a pool costs more than it saves. Today's
# callers use 64 (Markdown bodies, parsing with rendering), 200 (summaries, pages) and 400 (parsing).
PARALLEL_FROM = 64

_job: Job | None = None


def cores() -> int:
    """How many workers to use: the CPUs this process may run on, at most 8."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    return max(1, min(count, 8))


def _die_with(parent: int) -> None:
    """A worker ends when the build does, even one killed with SIGKILL (Linux): no orphans left."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: workers then end at their next read of the closed queue
        pass
    if os.getppid() != parent:
        os._exit(1)


def _trim() -> None:
    """Give the heap's free pages back to the system before forking (glibc; elsewhere nothing).

    Memory the build has let go (ten thousand Markdown bodies once rendered) stays in the process
    as free heap; forked workers would inherit it and copy each page of it they allocate into."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except Exception:  # no glibc: nothing to give back this way
        pass


def _run(span: tuple[int, int]) -> tuple[str, Any]:
    assert _job is not None
    try:
        return "ok", _job(*span)
    except FeedsiteError as exc:
        return "error", (type(exc), exc.problems)


def chunks(
    job: Callable[[int, int], list[T]], total: int, *, at_least: int, size: int | None = None
) -> Iterator[tuple[int, list[T]]]:
    """(item count, results) of each chunk of job over 0..total-1, in order.

    Runs in this process when there are fewer than at_least items, one core, or no fork.
    """
    global _job
    workers = cores()
    if total < at_least or workers < 2:
        if total:
            yield total, job(0, total)
        return
    import multiprocessing  # only here: a build that needs no workers does not pay ~45 ms for them
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield total, job(0, total)
        return
    size = size or max(8, min(256, total // (workers * 8)))
    spans = [(start, min(start + size, total)) for start in range(0, total, size)]
    _job = job
    _trim()
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()  # the workers' collector leaves inherited objects alone: fewer pages copied on write
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, context, initializer=_die_with, initargs=(os.getpid(),)) as pool:
            for (start, stop), (status, value) in zip(spans, pool.map(_run, spans), strict=True):
                if status == "error":
                    kind, problems = value
                    raise kind(list[Problem](problems))
                yield stop - start, value
    finally:
        _job = None
        if frozen:
            gc.unfreeze()


def spread(job: Job, total: int, *, at_least: int = PARALLEL_FROM) -> Iterator[tuple[int, list[Any]]]:
    """(item count, results) of each chunk of job(start, stop) over 0..total-1, in order, on forked
    workers once there are at_least items (writer.Spread: build.py passes it to the stages)."""
    yield from chunks(job, total, at_least=at_least)
