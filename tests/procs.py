"""Processes a test starts and owns: stopped and reaped on every path.

A process a test leaves running keeps ports, locks and files busy for the next test,
and its ``Popen`` object, collected later, raises "subprocess ... is still running"
(a ResourceWarning, an error under ``filterwarnings = error``) inside whichever test
happens to run then. Start every process through :func:`owned_process`.
(benchmarks/crash_bench.Child does the same for the crash trials, with the crash hook.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence

# How long a child process may take to do what a test waits for (exit after a signal,
# finish a short job). An upper bound for a hang, never a measurement: a niced CI run on
# a 2-core machine kept busy by other jobs was seen to need over 60 s for a 0.5 s exit.
REACT_WITHIN = 300.0


@contextlib.contextmanager
def owned_process(
    args: Sequence[str], *, grace: float = 10.0, **popen_kw: object
) -> Iterator[subprocess.Popen]:
    """Start ``args`` in its own process group and yield the ``Popen``.

    On leaving (pass, failure, timeout, interrupt) the group gets SIGTERM, then, after
    up to ``grace`` seconds (an upper bound, not a measurement), SIGKILL; the process
    is reaped and its pipes closed. The group reaches what it started too (server
    workers, multiprocessing children).
    """
    proc = subprocess.Popen(args, start_new_session=True, **popen_kw)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        stop(proc, grace)


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds, reap, close pipes."""
    try:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)
        # Members of the group may outlive its leader: they go too.
        _signal_group(proc, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
    finally:
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f is not None:
                f.close()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
