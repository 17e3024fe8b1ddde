"""Per-client rate limiting shared by every server process.

Place in the flow: HTTP request -> app ``before_request`` (web/app.py) ->
**ratelimit** -> (429 in the one JSON error shape, or on to the views).

A token bucket per client address: ``rate`` tokens a second refill it up to
``burst``; each request takes one. The buckets live in one small SQLite file
(WAL, ``BEGIN IMMEDIATE`` so a read-modify-write of a bucket is atomic across
processes), so the limit holds however many server processes share the file --
an in-memory limiter counts per process and lets N processes serve N times
the limit. Durability does not matter here (a lost bucket after a power cut is
harmless), so the file is not fsynced.

The file lives in the server's private folder (web/rundir.py: mode 0700, never
the shared temp folder, where another local user could plant it); a file that
is a symlink, belongs to someone else or is writable by others is refused at
start-up.

If the file cannot be used (locked for longer than ``busy_ms`` -- tens of
milliseconds, so a held lock cannot add seconds to every request -- or disk
full) the request is let through and the failure logged: an unavailable
limiter must not turn into an unavailable service (fail open).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from web.rundir import check_private, ensure_private_dir, run_dir
from web.settings import setting

log = logging.getLogger("duizhao.web")

DEFAULT_RATE = float(setting("RATE_LIMIT").default)  # requests per second per client address
DEFAULT_BURST = 100
_PRUNE_EVERY = 2000  # checks between removals of idle buckets
_IDLE_SECONDS = 600.0
# Longest wait for the file's write lock: a check takes well under a millisecond, so
# this is only reached when something holds the lock; then the request goes through.
BUSY_MS = 50
_LOG_EVERY = 60.0  # seconds between two "limiter unavailable" log lines


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until one token is back (when refused)
    remaining: int = 0


def default_path(index_dir: str | None) -> Path:
    """One limiter file per index: every server process serving the same index shares
    it. In the index's private run folder (created here), not in the index itself,
    which may be read-only."""
    return ensure_private_dir(run_dir(index_dir)) / "ratelimit.sqlite"


class RateLimiter:
    """A token bucket per key, stored in a SQLite file shared by processes."""

    def __init__(
        self,
        path: str | Path,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        busy_ms: int = BUSY_MS,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.path = Path(path)
        # A folder others may write (the shared temp folder) lets them plant the file.
        check_private(self.path.parent, loose=0o022)
        check_private(self.path, "file")
        self.rate = float(rate)
        self.burst = int(burst)
        self.busy_ms = int(busy_ms)
        self._local = threading.local()
        self._checks = 0
        self._logged = -_LOG_EVERY
        # Every thread's connection, so close() (or garbage collection) closes them all:
        # Python 3.13 warns about a connection left open.
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_all, self._conns, self._conns_lock)
        self._connect()  # create the table now: a bad path fails at start-up, not per request

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                str(self.path),
                timeout=self.busy_ms / 1000,
                isolation_level=None,
                check_same_thread=False,  # used by one thread; closed by close() from any
            )
            with self._conns_lock:
                self._conns.append(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS buckets "
                "(key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL)"
            )
            self._local.conn = conn
        return conn

    def check(self, key: str, now: float | None = None) -> Decision:
        """Take one token from ``key``'s bucket; refuse when it is empty."""
        # Wall-clock time: monotonic clocks are not comparable between processes.
        now = time.time() if now is None else now
        try:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT tokens, updated FROM buckets WHERE key = ?", (key,)
                ).fetchone()
                tokens = float(self.burst)
                if row is not None:
                    elapsed = max(0.0, now - row[1])
                    tokens = min(float(self.burst), row[0] + elapsed * self.rate)
                allowed = tokens >= 1.0
                if allowed:
                    tokens -= 1.0
                conn.execute(
                    "INSERT INTO buckets (key, tokens, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET tokens = excluded.tokens, "
                    "updated = excluded.updated",
                    (key, tokens, now),
                )
                self._checks += 1
                if self._checks % _PRUNE_EVERY == 0:
                    # A bucket idle this long is full again: dropping it changes nothing.
                    conn.execute("DELETE FROM buckets WHERE updated < ?", (now - _IDLE_SECONDS,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            # Once a minute, not per request: a held lock must not flood the log either.
            if time.monotonic() - self._logged >= _LOG_EVERY:
                self._logged = time.monotonic()
                log.warning("rate limiter unavailable (%s): requests let through", e)
            return Decision(True)
        if allowed:
            return Decision(True, remaining=int(tokens))
        return Decision(False, retry_after=(1.0 - tokens) / self.rate)

    def retry_after_header(self, d: Decision) -> str:
        """Whole seconds, at least 1 (the header takes no fractions)."""
        return str(max(1, math.ceil(d.retry_after)))

    def headers(self, d: Decision) -> dict[str, str]:
        """RateLimit-* headers for a decision: the bucket size, what is left, and whole
        seconds until the bucket is full again (or, when refused, until one token is)."""
        if d.allowed:
            reset = (self.burst - d.remaining) / self.rate
        else:
            reset = d.retry_after
        return {
            "RateLimit-Limit": str(self.burst),
            "RateLimit-Remaining": str(d.remaining if d.allowed else 0),
            "RateLimit-Reset": str(max(0, math.ceil(reset))),
        }

    def close(self) -> None:
        """Close every thread's connection; a later check() opens a new one."""
        _close_all(self._conns, self._conns_lock)
        self._local = threading.local()


def _close_all(conns: list[sqlite3.Connection], lock: threading.Lock) -> None:
    with lock:
        for c in conns:
            c.close()
        conns.clear()
