"""What the web views share: the open engine (or why it could not be opened) and the glossary.

Place in the flow: ``create_app`` (web/app.py) builds one :class:`WebState` and
keeps it on ``app.extensions["duizhao"]``; every blueprint (web/api.py,
web/ui.py, web/rest.py, the outputs) reads it through :func:`state`. It lives
apart from the factory so that the blueprints need not import the module that
imports them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from index.errors import DuizhaoError
from search.engine import Engine
from search.result_cache import ResultCache


@dataclass
class WebState:
    """What the views share: the engine (or why it could not be opened) and the glossary."""

    index_dir: str | None
    glossary: Any
    engine: Any = None
    error: DuizhaoError | None = None
    reopen_seconds: float = 5.0
    time_limit: float | None = None
    # (entries, bytes) of each engine's result cache; (0, 0): none.
    result_cache: tuple[int, int] = (0, 0)
    _last_try: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: tuple[int, int] | None = None

    def open(self) -> None:
        self._last_try = time.monotonic()
        try:
            self.engine = Engine(self.index_dir, glossary=self.glossary)
            self.apply_time_limit()
            self.error = None
        except DuizhaoError as e:
            self.engine = None
            self.error = e

    def apply_time_limit(self) -> None:
        """The server's time limit and result cache on the engine just opened or given."""
        if self.engine is not None and self.time_limit is not None:
            self.engine.backend.time_limit = self.time_limit
        entries, size = self.result_cache
        if self.engine is not None and entries > 0 and size > 0:
            self.engine.result_cache = ResultCache(entries, size)

    def get_engine(self) -> Any:
        """The engine, or the DuizhaoError (503) saying why there is none."""
        if self.engine is None:
            with self._lock:
                if self.engine is None and time.monotonic() - self._last_try > self.reopen_seconds:
                    self.open()
            if self.engine is None:
                assert self.error is not None
                raise self.error
        return self.engine

    def doc_count(self) -> int:
        """Documents in the index, counted once per index generation."""
        backend = self.get_engine().backend
        gen = backend.generation()
        if self._count is None or self._count[0] != gen:
            self._count = (gen, backend.doc_count())
        return self._count[1]


def state() -> WebState:
    return current_app.extensions["duizhao"]
