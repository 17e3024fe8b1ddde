"""The server's private folder: state that other local users must not reach.

Place in the flow: ``duizhao serve`` (web/serve.py) and the rate limiter
(web/ratelimit.py) -> **rundir** -> a folder created with mode 0700.

A file at a predictable path in a shared folder (the temp folder) can be
planted by another local user before the server starts: a garbage file stops
it, a crafted one feeds it false state, a symlink makes it write where the
planter chooses. So the server keeps its state in a folder of its own and
refuses one that is a symlink, belongs to someone else or is open to others.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from index.config import index_path
from index.errors import DuizhaoError


def _uid() -> int:
    return os.geteuid()


def check_private(path: Path, what: str = "folder", loose: int | None = None) -> None:
    """Refuse ``path`` unless it is a real folder (or file) of ours (or root's: root can do
    anything anyway) whose mode has none of the ``loose`` bits (default: a folder may not
    be read or written by others, a file not written). A missing file passes: it will be
    created inside a checked folder."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if what == "file":
            return
        raise
    hint = f"remove {path} (it was not created by this server) and start again"
    if stat.S_ISLNK(st.st_mode):
        raise DuizhaoError(f"refusing the server's {what} {path}: it is a symbolic link", hint=hint)
    if what == "folder" and not stat.S_ISDIR(st.st_mode):
        raise DuizhaoError(f"refusing the server's folder {path}: it is not a folder", hint=hint)
    if what == "file" and not stat.S_ISREG(st.st_mode):
        raise DuizhaoError(
            f"refusing the server's file {path}: it is not a regular file", hint=hint
        )
    if st.st_uid not in (_uid(), 0):
        raise DuizhaoError(
            f"refusing the server's {what} {path}: it belongs to user id {st.st_uid}, "
            f"not to this server's user ({_uid()})",
            hint=hint,
        )
    if loose is None:
        loose = 0o077 if what == "folder" else 0o022
    if st.st_mode & loose:
        raise DuizhaoError(
            f"refusing the server's {what} {path}: other users may change it "
            f"(mode {stat.S_IMODE(st.st_mode):04o})",
            hint=f"run chmod {'700' if what == 'folder' else '600'} {path}, or use another",
        )


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700 (its parents as needed) or check the one there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise DuizhaoError(
            f"cannot create the server's private folder {path}: {e.strerror}",
            hint="make the index's parent folder writable, or set $XDG_RUNTIME_DIR "
            "to a private folder of yours",
        ) from None
    check_private(path)
    return path


def _usable_xdg() -> Path | None:
    raw = os.environ.get("XDG_RUNTIME_DIR", "")
    if not raw or not os.path.isabs(raw):
        return None
    try:
        check_private(Path(raw))
    except (DuizhaoError, OSError):
        return None  # not a private runtime folder as the XDG spec promises: not used
    return Path(raw)


def run_dir(index_dir: str | Path | None) -> Path:
    """The private folder for one index's server state, shared by every server process
    serving that index: ``$XDG_RUNTIME_DIR/duizhao-<tag>`` when that is a private folder,
    else ``.duizhao-run-<tag>`` beside the index (in its instance folder)."""

    spec = os.fspath(index_path(index_dir))
    # Remote shards (xapian+tcp://...) have no folder here: the state goes in ./instance.
    index = Path(spec).resolve() if "://" not in spec else None
    tag = hashlib.sha256((str(index) if index is not None else spec).encode()).hexdigest()[:12]
    xdg = _usable_xdg()
    if xdg is not None:
        return xdg / f"duizhao-{tag}"
    parent = index.parent if index is not None else Path.cwd() / "instance"
    return parent / f".duizhao-run-{tag}"
