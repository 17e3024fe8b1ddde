"""The server's private folder (web/rundir.py) and the rate-limit file in it
(web/ratelimit.py), tried with what another local user could plant.

Each attack is set up first as it was done against the old limiter file (a
predictable name in the shared temp folder): a planted file, a symlink, a file or
folder of another user, loose permissions, and a held write lock.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from conftest_web import make_app

from index.errors import DuizhaoError
from web import rundir
from web.ratelimit import BUSY_MS, RateLimiter, default_path

OTHER_UID = 65534  # "nobody"


def owned_by_someone_else(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` another user's: for real when we may chown, else by making this
    process believe it runs as another user."""
    if os.geteuid() == 0:
        os.chown(path, OTHER_UID, OTHER_UID, follow_symlinks=False)
    else:
        monkeypatch.setattr(rundir, "_uid", lambda: os.geteuid() + 1)


def test_default_file_is_in_a_private_folder_not_the_shared_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    path = default_path(str(tmp_path / "ix"))
    assert path.parent.parent == tmp_path  # beside the index, in its instance folder
    assert path.parent.parent != Path(tempfile.gettempdir())
    folder = path.parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert folder.stat().st_uid == os.geteuid()
    assert default_path(str(tmp_path / "ix")) == path  # every server process finds the same
    assert default_path(str(tmp_path / "other")) != path


def test_xdg_runtime_dir_is_used_when_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "run"
    xdg.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    assert default_path(str(tmp_path / "ix")).parent.parent == xdg
    xdg.chmod(0o777)  # not private: not used
    assert xdg not in default_path(str(tmp_path / "ix")).parents


def test_planted_folder_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = rundir.run_dir(tmp_path / "ix")
    folder.mkdir(mode=0o700)
    planted = folder / "ratelimit.sqlite"
    planted.write_bytes(b"garbage, not SQLite")
    owned_by_someone_else(folder, monkeypatch)
    with pytest.raises(DuizhaoError, match="belongs to user id") as e:
        default_path(str(tmp_path / "ix"))
    assert str(folder) in e.value.hint


def test_planted_file_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A valid SQLite file with a bucket that locks one address out for months.
    path = default_path(str(tmp_path / "ix"))
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE buckets (key TEXT PRIMARY KEY, tokens REAL, updated REAL)")
        conn.execute("INSERT INTO buckets VALUES ('127.0.0.1', -1e9, 4e9)")
    conn.close()
    owned_by_someone_else(path, monkeypatch)
    with pytest.raises(DuizhaoError, match="belongs to user id"):
        RateLimiter(path)


def test_loose_permissions_are_refused(tmp_path: Path) -> None:
    folder = rundir.run_dir(tmp_path / "ix")
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    with pytest.raises(DuizhaoError, match="other users may change it") as e:
        default_path(str(tmp_path / "ix"))
    assert "chmod 700" in e.value.hint
    folder.chmod(0o700)
    path = default_path(str(tmp_path / "ix"))
    path.touch(mode=0o666)
    path.chmod(0o666)
    with pytest.raises(DuizhaoError, match="other users may change it"):
        RateLimiter(path)


def test_a_file_in_a_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like the temp folder
    with pytest.raises(DuizhaoError, match="other users may change it"):
        RateLimiter(shared / "rl.sqlite")


def test_symlinks_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    folder = rundir.run_dir(tmp_path / "ix")
    folder.symlink_to(target)
    with pytest.raises(DuizhaoError, match="symbolic link"):
        default_path(str(tmp_path / "ix"))
    folder.unlink()
    path = default_path(str(tmp_path / "ix"))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path.symlink_to(victim)
    with pytest.raises(DuizhaoError, match="symbolic link"):
        RateLimiter(path)
    assert victim.read_text() == "keep me"


def test_the_app_refuses_to_start_on_a_planted_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("rl-planted")
    from conftest_web import build_index

    index = build_index(root)
    folder = rundir.run_dir(index)
    folder.mkdir(mode=0o755)
    with pytest.raises(DuizhaoError, match="other users may change it"):
        make_app(root, RATE_LIMIT=5)
    folder.rmdir()


def test_a_held_write_lock_is_waited_on_for_milliseconds_then_let_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rl.sqlite"
    rl = RateLimiter(path, rate=1.0, burst=1)
    assert rl.busy_ms == BUSY_MS <= 100  # a bounded wait, not seconds per request
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # what another process could hold for ever
        with caplog.at_level(logging.WARNING, logger="duizhao.web"):
            decisions = [rl.check("a") for _ in range(3)]
        # Fail open: an unavailable limiter does not turn away clients (documented).
        assert all(d.allowed for d in decisions)
        assert len([r for r in caplog.records if "unavailable" in r.message]) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        rl.close()
    assert rl.check("a").allowed and not rl.check("a").allowed  # limiting again
    rl.close()
