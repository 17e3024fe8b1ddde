"""Open an index backend from an ``--index`` value: the one place that names engines.

Place in the flow: ``search.engine``, the CLI and the server call ``open_backend``
with whatever the user gave as ``--index`` (a folder, or a URL such as
``xapian+tcp://host:port,host:port``); the backend it returns follows the
``index.plan.Backend`` contract, so nothing above ``index/`` imports an engine.

A folder records which engine wrote it (``backend_kind``); a new folder gets the
engine asked for (``kind``), else Whoosh, the embedded default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index import integrity
from index.config import KIND_FILE
from index.errors import IndexNotAllowed, InputError

DEFAULT_KIND = "whoosh"
BUILTIN_URL_KINDS = {"xapian+tcp": ("xapian",)}  # URL schemes of engines not yet loaded

# kind -> opener(spec, **options) -> Backend. Engines register lazily, so an
# engine's package is imported only when an index of that kind is opened.
_OPENERS: dict[str, Callable[..., Any]] = {}
_URL_SCHEMES: dict[str, str] = {}  # "xapian+tcp" -> kind
_RESETTERS: dict[str, Callable[[str | os.PathLike], None]] = {}  # kind -> empty a folder
_allowed: set[str] | None = None  # restrict_to: the indexes a service may open


def register(
    kind: str,
    opener: Callable[..., Any],
    *,
    url_schemes: tuple[str, ...] = (),
    reset: Callable[[str | os.PathLike], None] | None = None,
) -> None:
    """Make ``kind`` openable; ``url_schemes`` are ``--index`` URL schemes it serves;
    ``reset(folder)`` empties one of its folders for ``--rebuild`` (refusing a
    folder that is not an index of its kind)."""
    _OPENERS[kind] = opener
    for scheme in url_schemes:
        _URL_SCHEMES[scheme] = kind
    if reset is not None:
        _RESETTERS[kind] = reset


def backend_kind(spec: str | os.PathLike) -> str:
    """The engine an ``--index`` value names: its URL scheme, or the folder's marker."""
    text = os.fspath(spec)
    scheme, sep, _ = text.partition("://")
    if sep and scheme not in _URL_SCHEMES:
        for kind in BUILTIN_URL_KINDS.get(scheme, ()):
            _load_builtin(kind)
    if sep:
        if scheme not in _URL_SCHEMES:
            known = ", ".join(sorted(_URL_SCHEMES)) or "none"
            raise InputError(
                f"unknown index URL scheme {scheme!r}",
                f"give a folder, or a URL with one of these schemes: {known}",
            )
        return _URL_SCHEMES[scheme]
    marker = Path(text) / KIND_FILE
    try:
        kind = marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return DEFAULT_KIND
    except OSError as e:
        raise InputError(f"cannot read {marker}: {e.strerror}", "check the index folder") from e
    return kind or DEFAULT_KIND


def open_backend(
    spec: str | os.PathLike, *, kind: str | None = None, create: bool = False, **options: Any
) -> Any:
    """The backend for ``spec``. ``kind`` applies only when the folder is new
    (``create``); an existing folder keeps the engine that wrote it."""
    _check_allowed(spec)  # before anything of the spec is read
    found = backend_kind(spec)
    if kind is not None and kind != found and _exists(spec):
        raise InputError(
            f"{os.fspath(spec)} holds a {found} index, not {kind}",
            f"index into a new folder, or drop --backend to keep using {found}",
        )
    chosen = _known(kind or found)
    return _OPENERS[chosen](spec, create=create, **options)


def reset_index(spec: str | os.PathLike, *, kind: str | None = None) -> None:
    """Empty an index folder so that it can be created afresh (``--rebuild`` of an
    outdated or damaged index). The folder's engine does it, or ``kind``'s for a
    folder without a marker."""
    text = os.fspath(spec)
    if "://" in text:
        raise InputError(
            f"cannot rebuild {text} from here", "rebuild each shard on its own machine"
        )
    found = backend_kind(spec)
    chosen = _known(found if _exists(spec) or kind is None else kind)
    reset = _RESETTERS.get(chosen)
    if reset is None:
        raise InputError(
            f"a {chosen} index cannot be rebuilt in place", "index into a new folder instead"
        )
    reset(spec)


def restrict_to(*specs: str | os.PathLike) -> None:
    """From now on this process opens only these indexes (IndexNotAllowed for any
    other): a service calls it once at start-up with its configured ``--index``, so
    no request can make it open a folder a user supplied. No specs: lift it."""
    global _allowed
    _allowed = {os.fspath(s) for s in specs} if specs else None
    # Folders: the engines check too when they open one (``integrity.check_allowed``).
    folders = [s for s in specs if "://" not in os.fspath(s)]
    integrity.restrict_to(*folders)


def _check_allowed(spec: str | os.PathLike) -> None:
    text = os.fspath(spec)
    if _allowed is None:
        return
    if "://" in text or not any("://" not in a for a in _allowed):
        if text not in _allowed:
            raise IndexNotAllowed(
                "this service only opens its configured index",
                "set the index in the service configuration (DUIZHAO_INDEX)",
            )
    else:
        integrity.check_allowed(text)  # folders compare resolved


def _known(kind: str) -> str:
    _load_builtin(kind)
    if kind not in _OPENERS:
        known = ", ".join(sorted(_OPENERS))
        raise InputError(f"unknown index backend {kind!r}", f"use one of: {known}")
    return kind


def _exists(spec: str | os.PathLike) -> bool:
    text = os.fspath(spec)
    return "://" in text or (Path(text).is_dir() and any(Path(text).iterdir()))


def _load_builtin(kind: str) -> None:
    """Register the built-in engines on first use (import cost only when needed)."""
    if kind in _OPENERS:
        return
    if kind == "whoosh":
        from index.whoosh_backend import WhooshBackend, reset_index_folder

        register("whoosh", WhooshBackend, reset=reset_index_folder)
    elif kind == "xapian":
        # Imported only now: the xapian bindings are an optional extra.
        from index.xapian_backend import URL_SCHEME, open_xapian

        register("xapian", open_xapian, url_schemes=(URL_SCHEME,))
