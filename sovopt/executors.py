"""Where a study's solves run: a local process pool or a dask.distributed cluster.

Both executors offer one call, ``run(fn, shared, tasks, on_done)``: ``fn(shared,
task)`` is called once per task on a worker and ``on_done(index, result,
error)`` once per task on the client, in the order results arrive (``error``
is a message, and ``result`` None, for a task that could not be run). Only the
client sees the results, so only the client writes to the run store; a
worker gets a compact serialised case (``shared``, the same bytes for every
task) and the change to apply (``task``).

A lost worker does not lose its task:

* ``local``: a process of the pool that dies (killed, out of memory) breaks the
  pool; a new pool is started and every task without a result is submitted
  again, at most :data:`RETRIES` times each.
* ``dask``: the scheduler gives the tasks of a lost worker to another one
  (``distributed.scheduler.allowed-failures`` times; then the task fails with
  ``KilledWorker``).

Solves share the cores, they never compete for them: with ``pin=True`` (the
studies) no more workers run at once than this process has cores, and each
worker is pinned to its own share of them (:func:`core_slots`), so a point
solved in a study has at least the processor of the same solve run alone on
that share: its wall-clock time limit buys the same work. A solve started in a
pinned worker sees only its own cores (``os.sched_getaffinity``), so its helper
processes stay on them too. This holds for the local pool and for a dask
LocalCluster; a remote scheduler's workers are placed by whoever started them.

A task that raises is reported failed at once: solving the same case again
gives the same error. ``on_done`` is called once per task whatever happens,
so the client can record each point exactly once. Stopping the client
(Ctrl-C) cancels the tasks not yet done and re-raises.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sovopt.errors import EXIT_USAGE, SovoptError

#: How often a task whose worker died is submitted again (local pool).
RETRIES = 2

#: Modules a local worker starts with (the solver stack: importing it takes seconds).
PRELOAD = ("sovopt.studies.tasks", "sovopt.solver", "sovopt.metrics", "sovopt.report")

#: The executors the CLI offers.
EXECUTORS = ("local", "dask")

OnDone = Callable[[int, Any, str | None], None]


class Executor(Protocol):
    """Runs ``fn(shared, task)`` for every task; reports each through ``on_done``."""

    workers: int

    def run(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any],
            on_done: OnDone) -> None: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _cores() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux: no pinning
        return []


def core_slots(workers: int | None) -> list[list[int]]:
    """The cores of each worker when ``workers`` solves are asked for at once: never
    more workers than cores, each with ``cores // workers`` cores of its own (empty
    lists where the platform cannot pin)."""
    cores = _cores()
    n = len(cores) or default_workers()
    at_once = max(1, min(workers or n, n))
    per = n // at_once
    return [cores[k * per:(k + 1) * per] for k in range(at_once)]


def _pin(cores: list[int]) -> None:
    """Keep this process (and what it starts) on ``cores``."""
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)


def _pin_next(counter: Any, slots: list[list[int]]) -> None:
    """Pool initializer: the k-th worker started takes the k-th slot of cores."""
    with counter.get_lock():
        k = counter.value
        counter.value += 1
    _pin(slots[k % len(slots)])


def make_executor(kind: str = "local", workers: int | None = None,
                  scheduler: str | None = None, pin: bool = False) -> Executor:
    """The executor called ``kind`` (local or dask); ``pin`` caps the workers at the
    cores and gives each its own (:func:`core_slots`)."""
    if kind == "local":
        if scheduler:
            raise SovoptError("--scheduler is for --executor dask", exit_code=EXIT_USAGE)
        return LocalExecutor(workers or default_workers(), pin=pin)
    if kind == "dask":
        return DaskExecutor(scheduler, workers, pin=pin)
    raise SovoptError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTORS)}",
                      exit_code=EXIT_USAGE)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _quiet_call(fn: Callable[[Any, Any], Any], shared: Any, task: Any) -> Any:
    """Call ``fn`` on a worker whose standard output goes to standard error: the
    solver's banner must never reach a client's ``--json`` stdout."""
    if not getattr(_quiet_call, "done", False):
        sys.stdout.flush()
        os.dup2(2, 1)
        _quiet_call.done = True  # type: ignore[attr-defined]
    return fn(shared, task)


def _quiet(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return functools.partial(_quiet_call, fn)


class LocalExecutor:
    """A pool of ``workers`` processes on this machine (started by forkserver, so a
    worker never inherits the client's open run store or threads); with ``pin``, at
    most one per core, each pinned to its own cores."""

    def __init__(self, workers: int, pin: bool = False):
        self.asked = max(1, int(workers))
        self.slots = core_slots(self.asked) if pin else None
        self.workers = len(self.slots) if self.slots else self.asked
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            # the server imports the solver stack once; each worker forks with it loaded
            ctx.set_forkserver_preload(list(PRELOAD))
        if self.slots and any(self.slots):
            return ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                       initializer=_pin_next,
                                       initargs=(ctx.Value("i", 0), self.slots))
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)

    def worker_pids(self) -> list[int]:
        """Process ids of the pool's workers (for tests that stop one)."""
        procs = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.pid is not None]

    def run(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any],
            on_done: OnDone, stop: Callable[[], bool] | None = None) -> None:
        """As :meth:`Executor.run`; ``stop()``, asked twice a second, ends the run
        early: the workers are stopped and every task without a result is reported
        as stopped."""
        attempts = dict.fromkeys(range(len(tasks)), 0)
        left = set(attempts)
        try:
            while left:
                self._pool = self._pool or self._new_pool()
                futures: dict[Future, int] = {}
                for i in sorted(left):
                    attempts[i] += 1
                    futures[self._pool.submit(_quiet(fn), shared, tasks[i])] = i
                broken = stopped = False
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    if stop is not None and pending and stop():
                        self._terminate()
                        pending = set()
                        stopped = True
                    for fut in done:
                        i = futures[fut]
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as exc:  # noqa: BLE001 - the task's own error
                            left.discard(i)
                            on_done(i, None, _error_text(exc))
                            continue
                        left.discard(i)
                        on_done(i, result, None)
                if stopped:
                    for i in sorted(left):
                        on_done(i, None, "stopped")
                    left.clear()
                elif broken:
                    self._pool.shutdown(wait=True, cancel_futures=True)
                    self._pool = None
                    for i in sorted(left):
                        if attempts[i] > RETRIES:
                            left.discard(i)
                            on_done(i, None, f"its worker process died {attempts[i]} times")
        except BaseException:
            self.close(cancel=True)
            raise

    def _terminate(self) -> None:
        """Stop the pool's workers now (their running tasks are lost) and drop the pool."""
        if self._pool is None:
            return
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            proc.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None


class DaskExecutor:
    """A dask.distributed client: to the scheduler at ``scheduler``
    (``tcp://HOST:PORT``), or to a LocalCluster of ``workers`` single-threaded
    worker processes on the loopback interface when no address is given (with
    ``pin``, at most one per core, each pinned to its own cores)."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 pin: bool = False):
        try:  # optional dependency (sovopt[dask]): loaded only with --executor dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise SovoptError("--executor dask needs dask.distributed: pip install "
                              "'sovopt[dask]'", exit_code=EXIT_USAGE) from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="20s")
            else:
                slots = core_slots(workers) if pin else None
                self.cluster = LocalCluster(n_workers=len(slots) if slots else
                                            workers or default_workers(),
                                            threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None)
                self.client = Client(self.cluster)
                if slots and any(slots):
                    self.client.wait_for_workers(len(slots))
                    addresses = sorted(self.client.scheduler_info()["workers"])
                    for cores, address in zip(slots, addresses, strict=False):
                        self.client.run(_pin, cores, workers=[address])
        except (OSError, TimeoutError) as exc:
            raise SovoptError(f"cannot reach the dask scheduler {scheduler or 'LocalCluster'}:"
                              f" {exc}") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def worker_pids(self) -> list[int]:
        """Process ids of the cluster's workers (for tests that stop one)."""
        return list(self.client.run(os.getpid).values())

    def worker_cores(self) -> list[list[int]]:
        """The cores each worker may run on."""
        return [sorted(c) for c in self.client.run(_cores).values()]

    def run(self, fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any],
            on_done: OnDone) -> None:
        # optional dependency (sovopt[dask]): loaded only with --executor dask
        from distributed import as_completed

        data = self.client.scatter(shared, broadcast=True, hash=False)
        futures = {self.client.submit(_quiet(fn), data, task, pure=False): i
                   for i, task in enumerate(tasks)}
        reported: set[int] = set()
        try:
            for fut in as_completed(list(futures)):
                i = futures[fut]
                if i in reported:
                    continue
                reported.add(i)
                if fut.status == "finished":
                    on_done(i, fut.result(), None)
                else:
                    exc = fut.exception()
                    on_done(i, None, _error_text(exc) if exc else f"task {fut.status}")
        except BaseException:
            self.client.cancel([f for f, i in futures.items() if i not in reported])
            raise
        finally:
            self.client.cancel(data)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
