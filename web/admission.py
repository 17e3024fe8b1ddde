"""Admission control: a bounded number of searches at once, per client and in all, with
costly searches in a narrow lane of their own.

Place in the flow: client -> front server (web/front.py) -> **admission** (a slot, or a
429/503 answered by the front) -> app server -> create_app (web/app.py).

The front server sees every request of every app-server process, so the counts here
hold for the whole service without shared memory between processes; and a request
refused here never takes a worker thread. It runs inside the front's one event loop,
so the counters need no locks.

* A request estimated costly from its query (search/cost.py: many phrases or
  exclusions, long any-word queries, facets with date sort, deep or big pages,
  exports, charts, feeds) needs one of ``costly_slots`` slots. None free: 503 at once,
  so a client looping costly searches gets a quick answer and ordinary searches keep
  the other worker threads. While costly searches are being refused (a flood), the
  lane pauses after each one in proportion to the time it took (``costly_share``), so
  ordinary searches keep most of the CPU too, not only the threads.
* An export (it reads every match: seconds by design) is costly too; with
  ``bulk_slots`` > 0 it needs one of those slots instead, apart from the costly
  searches'. (Measured with benchmarks/flood_bench.py on 2 cores: a separate export
  lane lets an export and a costly search run at once and took both cores from
  ordinary searches, so by default they share one lane.)
* Every other request to the app (pages, API calls; not static files or the health
  check) needs one of ``slots`` slots and may wait ``queue_wait`` seconds for one
  (ordinary searches take milliseconds), then 503.
* Each client address may have ``per_client`` requests admitted or waiting, and
  ``per_client_costly`` costly ones (exports included); beyond: 429.

Every refusal says ``Retry-After`` and, in the app's JSON error shape, what to do.
The numbers are set in web/front.py with the front's other limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from search.cost import Cost, estimate

# Paths that search, and how search/cost.py counts them.
_ENDPOINTS = {
    "/search": "search",
    "/api/v1/search": "search",
    "/titles": "titles",
    "/api/v1/titles": "titles",
    "/search.atom": "feed",
    "/search/timeline.svg": "chart",
    "/search/map.svg": "chart",
    "/api/v1/export": "export",
}
# Answered without a slot: cheap, and a supervisor's health check must get through.
_FREE_PREFIXES = ("/static/", "/api/v1/health", "/favicon.ico")


class Refused(Exception):
    """No slot: the front answers ``status`` with ``message`` and ``hint``."""

    def __init__(self, status: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


def request_cost(target: bytes) -> Cost | None:
    """The cost of a request from its target (``/path?query``); None for a request
    that needs no slot."""
    raw_path, _, raw_query = target.partition(b"?")
    path = unquote(raw_path.decode("latin-1"), errors="replace")
    if path.startswith(_FREE_PREFIXES):
        return None
    endpoint = _ENDPOINTS.get(path.rstrip("/") or "/")
    if endpoint is None:
        return Cost(0.0)
    args = parse_qs(raw_query.decode("latin-1"), encoding="utf-8", errors="replace")

    def one(name: str, default: str) -> str:
        return (args.get(name) or [default])[0]

    def number(name: str, default: int) -> int:
        value = one(name, str(default))
        return int(value) if value.isdigit() and len(value) < 7 else default

    if path.rstrip("/") in ("/titles", "/api/v1/titles"):
        return estimate(one("q", ""), per_page=number("limit", 10))
    facets = one("facets", "true" if path == "/search" else "false").lower() in ("1", "true")
    return estimate(
        one("q", ""),
        facets=facets,
        sort=one("sort", "relevance") or "relevance",
        page=number("page", 1),
        per_page=number("per_page", 10),
        endpoint=endpoint,
    )


@dataclass
class Limits:
    slots: int = 7  # ordinary requests at once, in all
    costly_slots: int = 1  # costly searches at once, in all
    bulk_slots: int = 0  # exports at once, in all; 0: exports take costly slots
    per_client: int = 4  # requests admitted or waiting, per client address
    per_client_costly: int = 1  # costly searches at once, per client address
    queue_wait: float = 2.0  # seconds an ordinary request may wait for a slot
    # The costly lane's share of time in a flood: after a costly search of d seconds
    # during which another was refused, the lane stays shut for d * (1 / share - 1), so
    # back-to-back costly searches take at most this share of a core from ordinary ones.
    # A lone client's costly searches, one after another, are never paused. 1.0: no pause.
    costly_share: float = 1.0


class Admission:
    """The slots of one front server (one event loop)."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self.costly_shut_until = 0.0
        self.costly_refused = False  # a costly search was refused since one last started
        self._ordinary = asyncio.Semaphore(limits.slots)
        self.costly_busy = 0
        self.bulk_busy = 0
        self.per_client: dict[str, int] = {}
        self.per_client_costly: dict[str, int] = {}

    # long: the slot's take and give must pair on every path (refusal, timeout, cancellation)
    # inside one try/finally; splitting would separate them.
    @contextlib.asynccontextmanager
    async def slot(self, addr: str, cost: Cost | None) -> AsyncIterator[None]:
        """Hold a slot for one request; raises Refused when there is none."""
        if cost is None:
            yield
            return
        lim = self.limits
        if self.per_client.get(addr, 0) >= lim.per_client:
            raise Refused(
                429,
                f"too many requests at once from your address (at most {lim.per_client})",
                "wait for your earlier requests to finish, then retry",
            )
        costly = cost.costly
        bulk = cost.bulk and lim.bulk_slots > 0  # its own lane
        if costly:
            if self.per_client_costly.get(addr, 0) >= lim.per_client_costly:
                raise Refused(
                    429,
                    "one costly search at a time per address "
                    f"({', '.join(cost.reasons) or 'a costly request'})",
                    "wait for your earlier search to finish, or narrow the query "
                    "(fewer phrases, exclusions or ORs, no facets, a smaller page)",
                )
            if bulk and self.bulk_busy >= lim.bulk_slots:
                raise Refused(
                    503,
                    "the server is busy with other exports",
                    "retry in a moment, or export fewer results (limit)",
                )
            if not bulk and (
                self.costly_busy >= lim.costly_slots or self._clock() < self.costly_shut_until
            ):
                self.costly_refused = True
                raise Refused(
                    503,
                    f"the server is busy with other costly searches ({', '.join(cost.reasons)})",
                    "retry in a moment, or narrow the query (fewer phrases, exclusions or "
                    "ORs, no facets, a smaller page)",
                )
        self._take(self.per_client, addr)
        try:
            if costly:
                self._take(self.per_client_costly, addr)
                if bulk:
                    self.bulk_busy += 1
                else:
                    self.costly_busy += 1
                started = self._clock()
                if not bulk:
                    self.costly_refused = False
                try:
                    yield
                finally:
                    if bulk:
                        self.bulk_busy -= 1
                    else:
                        self.costly_busy -= 1
                        if self.costly_refused:  # others wanted the lane: a flood
                            now = self._clock()
                            pause = (now - started) * (1 / lim.costly_share - 1)
                            self.costly_shut_until = max(self.costly_shut_until, now + pause)
                    self._give(self.per_client_costly, addr)
                return
            try:
                async with asyncio.timeout(lim.queue_wait):
                    await self._ordinary.acquire()
            except TimeoutError:
                raise Refused(
                    503, "the server is busy", "retry in a moment (see Retry-After)"
                ) from None
            try:
                yield
            finally:
                self._ordinary.release()
        finally:
            self._give(self.per_client, addr)

    @staticmethod
    def _take(counts: dict[str, int], addr: str) -> None:
        counts[addr] = counts.get(addr, 0) + 1

    @staticmethod
    def _give(counts: dict[str, int], addr: str) -> None:
        counts[addr] -= 1
        if not counts[addr]:
            del counts[addr]
