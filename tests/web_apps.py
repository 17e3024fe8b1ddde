"""Apps that tests own: built on the web fixture index and closed on every path.

Left to the garbage collector, an app's index readers and limiter connections
warn (ResourceWarning) in whatever test runs then; these close them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest_web import make_app


def close_app(app: Any) -> None:
    st = app.extensions["duizhao"]
    if st.engine is not None:
        st.engine.backend.close()
    limiter = app.extensions.get("duizhao_limiter")
    if limiter is not None:
        limiter.close()


@contextlib.contextmanager
def owned_app(root: Path, **config: Any) -> Iterator[Any]:
    app = make_app(root, **config)
    try:
        yield app
    finally:
        close_app(app)
