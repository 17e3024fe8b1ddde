"""One time budget for one search.

Place in the flow: the engine (search/engine.py) creates one ``Deadline`` when a
search reaches the index and passes it down -- to the backend's first try and to its "any
word" fallback, to exclusions, phrases, facets and snippets -- so every step
spends from the same budget instead of starting a fresh one. Every loop whose
work grows with the index or the query asks ``expired()`` as it goes; the first
``True`` marks the search as cut short (``cut_short``), and the caller returns
what it has so far, honestly labelled.

The clock is injectable so tests can make time pass without waiting for it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

# Hits of a page whose documents are still read once the time is up (a default
# page's worth): the page answers, short but never empty, and a page of 100 does
# not read 90 more stored documents after the budget is spent.
MIN_HITS_WHEN_CUT_SHORT = 10


class Deadline:
    """A point in time after which a search stops doing more work."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.at = clock() + seconds
        self.cut_short = False  # some work was skipped because the time was up
        self._parent: Deadline | None = None

    def expired(self) -> bool:
        """True once the time is up; the caller then skips work, so the search is
        marked cut short (a check that is never answered True costs nothing)."""
        if not self.cut_short and self._clock() >= self.at:
            self.cut_short = True
        return self.cut_short

    def remaining(self) -> float:
        """Seconds left (0 when the time is up)."""
        return max(0.0, self.at - self._clock())

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent inside does not count: one-time loads that any search would
        pay (the caches of a new index commit), not this query's cost."""
        t0 = self._clock()
        try:
            yield
        finally:
            spent = self._clock() - t0
            self.at += spent
            if self._parent is not None:
                self._parent.at += spent

    def part(self, share: float) -> Deadline:
        """A budget for one step of this search: at most ``share`` of the time left,
        so the steps after it keep the rest. Its ``cut_short`` is its own (this
        search is not out of time when a step has spent its share); time paused in
        it is paused here too."""
        child = Deadline(self.remaining() * share, clock=self._clock)
        child._parent = self
        return child
