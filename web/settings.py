"""The server's settings in one table: name, default, help, and where each can be set.

Place in the flow: ``duizhao serve`` builds its options from :data:`SETTINGS`
(web/cli.py), ``create_app`` (web/app.py) and the REST hooks (web/rest.py) read
their values through :func:`value`, and the README's settings table is
:func:`markdown_table` (``python -m web.settings`` prints it; a test fails
when the README's copy differs). A setting is given, first wins, by the app
config (``create_app(config={NAME: ...})``, which the serve options fill), its
environment variable, then its default.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from index.errors import DuizhaoError


@dataclass(frozen=True)
class Setting:
    """One setting of the web server."""

    name: str  # the app config key
    default: Any  # None: unset (the help says what that means)
    help: str
    env: str | None = None  # environment variable
    option: str | None = None  # `duizhao serve` option
    kind: type = str  # how the environment's text is read
    default_doc: str | None = None  # the default as the docs say it, when not a constant


SETTINGS: tuple[Setting, ...] = (
    Setting("HOST", "127.0.0.1", "address the front server listens on", option="--host"),
    Setting("PORT", 8080, "port the front server listens on", option="--port", kind=int),
    Setting("THREADS", 8, "request threads in all", option="--threads", kind=int),
    Setting(
        "WORKERS",
        min(2, os.cpu_count() or 1),
        "server processes (1: waitress; more: gunicorn, one per core)",
        option="--workers",
        kind=int,
        default_doc="2 (1 on one core)",
    ),
    Setting(
        "BASE_URL",
        None,
        "public address for citation links (https://host/prefix); 'request': the address "
        "each request came in on (only behind a proxy that sets Host); unset: links without host",
        env="DUIZHAO_BASE_URL",
        option="--base-url",
    ),
    Setting(
        "SEARCH_TIME_LIMIT",
        0.5,
        "seconds one search may run in the backend (under 1 s, so parsing and snippets "
        "still fit in a 1 s answer)",
        env="DUIZHAO_SEARCH_TIME_LIMIT",
        kind=float,
    ),
    Setting(
        "CLI_SEARCH_TIME_LIMIT",
        30.0,
        "seconds one search from the command line (duizhao search, title, mentions) may "
        "run: a one-off process builds inside its first search the caches a server builds "
        "at warm-up, and one person waits for one complete answer",
        env="DUIZHAO_CLI_SEARCH_TIME_LIMIT",
        kind=float,
    ),
    Setting(
        "RATE_LIMIT",
        50.0,
        "requests per second per client address, shared by every process using the same "
        "rate-limit file; 0 turns it off (off in tests)",
        env="DUIZHAO_RATE_LIMIT",
        kind=float,
    ),
    Setting(
        "RATE_LIMIT_BURST",
        None,
        "requests a client may make at once before the rate applies",
        env="DUIZHAO_RATE_LIMIT_BURST",
        kind=float,
        default_doc="2 x the rate, at least 10",
    ),
    Setting(
        "RATE_LIMIT_FILE",
        None,
        "the SQLite file of the rate limiter",
        env="DUIZHAO_RATE_LIMIT_FILE",
        default_doc="one per index, in a private folder (web/rundir.py)",
    ),
    Setting(
        "CORS_ORIGINS",
        "*",
        "origins allowed to read /api/v1/* from a browser: * or a comma-separated list",
        env="DUIZHAO_CORS_ORIGINS",
    ),
    Setting(
        "ACCESS_LOG",
        "-",
        "where the JSON access log goes: - for stderr, a file path, or empty for none "
        "(none in tests)",
        env="DUIZHAO_ACCESS_LOG",
    ),
    Setting("CACHE_MAX_AGE", 60, "seconds a client may reuse a cacheable answer unasked", kind=int),
    Setting(
        "MAX_CONTENT_LENGTH",
        64 * 1024,
        "largest request body in bytes (the API takes no bodies but the mentions article)",
        kind=int,
    ),
    Setting(
        "REOPEN_SECONDS",
        5.0,
        "seconds between tries to open a missing or broken index",
        kind=float,
    ),
    Setting(
        "RESULT_CACHE_ENTRIES",
        1000,
        "complete search results each server process keeps per index commit, least "
        "recently used out first (answers are the same with or without it); 0 turns it off "
        "(off in tests)",
        env="DUIZHAO_RESULT_CACHE_ENTRIES",
        kind=int,
    ),
    Setting(
        "RESULT_CACHE_MB",
        64,
        "megabytes those results may hold in each process (the hits' documents counted); "
        "0 turns the cache off",
        env="DUIZHAO_RESULT_CACHE_MB",
        kind=float,
    ),
    Setting(
        "GC_THRESHOLD",
        10_000,
        "new container objects (net) before Python's garbage collector looks at the "
        "youngest ones (Python's own: 700); after warm-up the objects alive are frozen "
        "out of its scans; 0: Python's defaults, nothing frozen",
        env="DUIZHAO_GC_THRESHOLD",
        kind=int,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
# The settings that are options of `duizhao serve` rather than app config keys.
SERVE_ONLY = ("HOST", "PORT", "THREADS", "WORKERS")


def setting(name: str) -> Setting:
    return BY_NAME[name]


def config_defaults(names: tuple[str, ...]) -> dict[str, Any]:
    """App config defaults for these settings: None ("look at the environment") for
    those with an environment variable, else the default."""
    return {n: None if BY_NAME[n].env else BY_NAME[n].default for n in names}


APP_SETTINGS = tuple(s.name for s in SETTINGS if s.name not in SERVE_ONLY)


def value(name: str, configured: Any = None, default: Any = None) -> Any:
    """The setting's value: ``configured`` (the app config) when not None, else its
    environment variable when set, else ``default`` when not None, else its default.
    A malformed number in the environment is a :class:`DuizhaoError` naming it."""
    s = BY_NAME[name]
    if configured is not None:
        return s.kind(configured) if s.kind is not str else configured
    raw = os.environ.get(s.env, "").strip() if s.env else ""
    if raw:
        if s.kind is str:
            return raw
        try:
            return s.kind(raw)
        except ValueError:
            raise DuizhaoError(
                f"{s.env} must be a number, got {raw[:20]!r}",
                hint=f"unset it or set a number ({s.help})",
            ) from None
    return default if default is not None else s.default


def _default_text(s: Setting) -> str:
    if s.default_doc is not None:
        return s.default_doc
    if s.default is None:
        return "unset"
    return f"`{s.default}`"


def markdown_table() -> str:
    """The README's settings table."""
    rows = [
        "| Setting | `duizhao serve` option | Environment | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        option = f"`{s.option}`" if s.option else ""
        env = f"`${s.env}`" if s.env else ""
        rows.append(f"| `{s.name}` | {option} | {env} | {_default_text(s)} | {s.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
