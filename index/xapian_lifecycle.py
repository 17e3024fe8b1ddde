"""The Xapian backend's lifecycle: create, open, reopen, lock, verify; local or remote shards.

Place in the flow: ``XapianBackend`` (index.xapian_backend) inherits these
methods; its writers (index.xapian_writers) take the shards' locks here.

Layout of a folder::

    DIR/backend         "xapian" (index.backends)
    DIR/duizhao.json    settings: schema version, glossary fingerprint, shard count
    DIR/shard-00/ ...   one Xapian (glass) database per shard; documents are routed
                        by a stable hash of their id (``shard_of``)

Each shard commits in one Xapian transaction (atomic and fsynced by Xapian); a
multi-shard run commits shard by shard, so a crash between two shard commits
leaves some shards at the new state -- re-running the same index command
completes it (unchanged documents are skipped by content hash).

Remote shards (``duizhao shard-serve`` runs ``xapian-tcpsrv``) are combined into
one Database: Xapian computes global statistics, so one shard and N shards rank
the same. A shard that is down or does not answer within ``REMOTE_TIMEOUT_MS``
makes the search fail with ``ShardUnavailable`` (HTTP 503, naming the shard) --
never a hang and never silently partial results; the next search reconnects.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index import segmenter
from index.errors import (
    DuizhaoError,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexOutdated,
    IndexWriteFailed,
    InputError,
)
from index.schema import SCHEMA_VERSION
from index.xapian_records import load_xapian

KIND = "xapian"
URL_SCHEME = "xapian+tcp"
META_FILE = "duizhao.json"
LAYOUT = 2  # this module's record layout; bumped when terms/values change meaning
METADATA_KEY = "duizhao"  # per-shard settings inside the Xapian database (read remotely)
# Per-shard commit counter: remote databases do not expose their revision.
GENERATION_KEY = "duizhao-generation"
# A remote operation (connect, or one request) that takes longer fails the search
# with ShardUnavailable: a slow shard never hangs a request.
REMOTE_TIMEOUT_MS = 5000
REMOTE_CONNECT_TIMEOUT_MS = 2000
# Remote shards: one thread of a process asks them for their latest commit (a reopen
# and the commit counters: two round trips per shard) at most this often; the other
# threads reopen only when the counters it read changed. A commit is served within
# this time of the first request after it (the bounded staleness of remote shards).
REMOTE_REOPEN_SECONDS = 0.5

# Inside a writer's transaction Xapian moves its buffered postings into the tables
# every this many documents (Xapian's default: 10,000). Passage records carry many
# positional terms, and the buffer's cost per posting grows with its size: on the
# whole sample corpus (192,820 records, 2 shards) 500 took the build from ~110 s of
# CPU to ~86 s, 100,000 made it ~140 s (benchmarks/xapian_bench.py; README, Xapian).
# Nothing is committed by these moves: a commit still happens once, at the end.
FLUSH_THRESHOLD = 500
FLUSH_ENV = "XAPIAN_FLUSH_THRESHOLD"  # Xapian reads it when a writable database opens


class ShardUnavailable(DuizhaoError):
    """A remote shard is down or too slow: the search fails rather than hang."""

    status = 503
    code = "shard_unavailable"


def parse_url(url: str) -> list[tuple[str, int]]:
    """``xapian+tcp://host:port,host:port`` -> [(host, port), ...]."""
    rest = url[len(URL_SCHEME) + 3 :].strip("/")
    out = []
    for part in rest.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(
                f"cannot read the shard address {part!r} in {url}",
                "write it like xapian+tcp://host1:7001,host2:7002",
            )
        out.append((host.strip("[]"), int(port)))
    return out


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def bump_generation(db: Any) -> None:
    """Count one more commit of this shard (inside its transaction)."""
    db.set_metadata(GENERATION_KEY, str(int(db.get_metadata(GENERATION_KEY) or b"0") + 1))


class XapianLifecycle:
    """Opening, reopening and checking a Xapian index: a folder of shards, or
    ``xapian+tcp://host:port,...``. One combined Database per thread."""

    def __init__(
        self,
        spec: str | os.PathLike,
        *,
        create: bool = False,
        shards: int | None = None,
        verify: str = "full",  # Xapian checks its own files on open
        timeout_ms: int = REMOTE_TIMEOUT_MS,
    ) -> None:
        self._x = load_xapian()
        text = os.fspath(spec)
        self.remote: list[tuple[str, int]] = []
        self.timeout_ms = timeout_ms
        if text.startswith(URL_SCHEME + "://"):
            self.remote = parse_url(text)
            self.path: Any = text
        else:
            from index import integrity

            integrity.check_allowed(text)  # a service opens only its configured folder
            self.path = Path(text)
        self.time_limit = 1.0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._dbs: list = []  # every open Database (any thread), closed by close()
        # Remote: (when, generation) the shards last gave, for every thread (_refresh).
        self._seen: tuple[float, int | None] = (float("-inf"), None)
        if not self.remote:
            if create and not self.exists():
                self._create(shards or 1)
            if not self.exists():
                raise IndexMissing(
                    f"no index at {self.path}",
                    "build one with `duizhao index --backend xapian PATH...`",
                )
            meta = self.meta()
            if meta.get("schema_version") != SCHEMA_VERSION or meta.get("layout") != LAYOUT:
                raise IndexOutdated(
                    f"the index at {self.path} was built by another version of Duizhao",
                    "rebuild it: `duizhao index --rebuild PATH...`",
                )
            self.shards = int(meta.get("shards", 1))
        else:
            self.shards = len(self.remote)
        self._db()  # open now: a damaged or unreachable index is refused at once

    def shard_path(self, k: int) -> Path:
        return Path(self.path) / f"shard-{k:02d}"

    def exists(self) -> bool:
        return not self.remote and (Path(self.path) / META_FILE).exists()

    def _create(self, shards: int) -> None:
        from index.config import KIND_FILE

        if shards < 1 or shards > 256:
            raise InputError(f"--shards must be 1 to 256, not {shards}", "use e.g. --shards 2")
        p = Path(self.path)
        try:
            p.mkdir(parents=True, exist_ok=True)
            meta = {
                "engine": KIND,
                "schema_version": SCHEMA_VERSION,
                "layout": LAYOUT,
                "glossary": segmenter.fingerprint(),
                "shards": shards,
            }
            for k in range(shards):
                db = self._x.WritableDatabase(str(self.shard_path(k)), self._x.DB_CREATE_OR_OPEN)
                try:
                    db.set_metadata(METADATA_KEY, json.dumps({**meta, "shard": k}))
                    db.commit()
                finally:
                    db.close()
            write_atomic(p / KIND_FILE, KIND + "\n")
            write_atomic(p / META_FILE, json.dumps(meta, indent=1))
        except OSError as e:
            raise IndexWriteFailed(
                f"cannot create the index at {p}: {e.strerror}", "check the folder and free space"
            ) from e

    def meta(self) -> dict:
        """The index settings: the folder's file, or (remote) the first shard's."""
        if self.remote:
            raw = self._db().get_metadata(METADATA_KEY)
            try:
                return json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                return {}
        try:
            return json.loads((Path(self.path) / META_FILE).read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise IndexCorrupt(
                f"the index settings file {Path(self.path) / META_FILE} is unreadable",
                "rebuild it: `duizhao index --rebuild PATH...`",
            ) from e

    def _open_shards(self) -> list:
        x = self._x
        out = []
        try:
            if self.remote:
                for host, port in self.remote:
                    try:
                        out.append(
                            x.remote_open(host, port, self.timeout_ms, REMOTE_CONNECT_TIMEOUT_MS)
                        )
                    except x.NetworkError as e:
                        raise self._unavailable(f"{host}:{port}", e) from e
            else:
                for k in range(self.shards):
                    out.append(x.Database(str(self.shard_path(k))))
        except (x.DatabaseCorruptError, x.DatabaseOpeningError, x.DatabaseError) as e:
            for db in out:
                db.close()
            raise self._corrupt(e) from e
        return out

    def _corrupt(self, e: BaseException) -> IndexCorrupt:
        return IndexCorrupt(
            f"the Xapian index at {self.path} cannot be read ({type(e).__name__}: {str(e)[:200]})",
            "run `duizhao check`; if it fails, rebuild: `duizhao index --rebuild PATH...`",
        )

    def _unavailable(self, where: str, e: BaseException) -> ShardUnavailable:
        return ShardUnavailable(
            f"index shard {where} is unavailable ({type(e).__name__}: {str(e)[:160]})",
            "start it again (`duizhao --index DIR shard-serve --shard K --port P`) and retry",
        )

    def _db(self) -> Any:
        """This thread's combined Database (reopened on the latest commit)."""
        local = self._local
        got = getattr(local, "db", None)
        if got is None:
            parts = self._open_shards()
            db = self._x.Database()
            for s in parts:
                db.add_database(s)
            got = local.db = (db, parts)
            local.reopened, local.generation = time.monotonic(), None
            with self._lock:
                self._dbs.append(got)
            if self.remote:
                self._check_remote_shards(parts)
        return got[0]

    def _check_remote_shards(self, parts: list) -> None:
        seen: dict[int, str] = {}
        for (host, port), db in zip(self.remote, parts, strict=True):
            raw = db.get_metadata(METADATA_KEY)
            try:
                m = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                m = {}
            where = f"{host}:{port}"
            if m.get("schema_version") != SCHEMA_VERSION or m.get("layout") != LAYOUT:
                raise IndexOutdated(
                    f"shard {where} was built by another version of Duizhao (or is not Duizhao's)",
                    "rebuild that index with this version and serve it again",
                )
            k = m.get("shard")
            if k in seen:
                raise InputError(
                    f"{where} and {seen[k]} serve the same shard {k}",
                    "give each shard of the index once in the xapian+tcp:// URL",
                )
            seen[k] = where
            if m.get("shards") not in (None, len(self.remote)):
                raise InputError(
                    f"the index has {m.get('shards')} shards but the URL names {len(self.remote)}",
                    "list every shard's host:port in the xapian+tcp:// URL",
                )

    def _drop_db(self) -> None:
        got = getattr(self._local, "db", None)
        self._local.db = None
        if got is not None:
            with self._lock, contextlib.suppress(ValueError):
                self._dbs.remove(got)
            with contextlib.suppress(Exception):
                got[0].close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        """This thread's Database on the latest commit; Xapian errors become Duizhao's
        (a lost shard connection is dropped so the next search reconnects)."""
        x = self._x
        try:
            db = self._db()
            if not self.remote:
                db.reopen()
            elif time.monotonic() - self._local.reopened >= REMOTE_REOPEN_SECONDS:
                self._refresh(db)
            yield db
        except x.DatabaseModifiedError as e:
            self._drop_db()
            raise IndexBusy("the index changed twice during this search", "retry the search") from e
        except x.NetworkError as e:
            self._drop_db()
            raise self._unavailable(",".join(f"{h}:{p}" for h, p in self.remote), e) from e
        except (x.DatabaseCorruptError, x.DatabaseError) as e:
            self._drop_db()
            raise self._corrupt(e) from e

    def _refresh(self, db: Any) -> None:
        """Remote shards: this thread's Database on the latest commit. One thread
        per ``REMOTE_REOPEN_SECONDS`` asks the shards (reopen, commit counters);
        the others reopen only when the generation it read is not theirs."""
        local = self._local
        now = time.monotonic()
        with self._lock:
            at, seen = self._seen
        if now - at >= REMOTE_REOPEN_SECONDS or seen is None:
            db.reopen()  # every shard (one round trip each)
            local.generation = self._read_generation(local.db[1])
            with self._lock:
                self._seen = (now, local.generation)
        elif seen != local.generation:
            db.reopen()  # at least at ``seen``: a later commit is seen at the next ask
            local.generation = seen
        local.reopened = now

    def _read_generation(self, parts: list) -> int:
        return sum(int(p.get_metadata(GENERATION_KEY) or b"0") for p in parts)

    def close(self) -> None:
        with self._lock:
            dbs, self._dbs = self._dbs, []
        for db, _parts in dbs:
            with contextlib.suppress(Exception):
                db.close()
        self._local = threading.local()

    def generation(self) -> int:
        """A number that grows with every commit (the sum of the shards' commit
        counters, kept in their metadata: readable remotely too)."""
        with self._reading():
            known = self._local.generation
            if known is not None:  # remote: unchanged since this thread's last reopen
                return known
            parts = self._local.db[1]
            if not self.remote:  # remote: reopened all (_refresh) or just opened
                for p in parts[1:]:
                    p.reopen()  # the combined reopen() refreshes the first one only
            gen = self._read_generation(parts)
            if self.remote:
                self._local.generation = gen
            return gen

    def check_glossary(self, fingerprint: str) -> None:
        segmenter.check_built_with(self.meta().get("glossary"), fingerprint)

    def check(self) -> dict[str, object]:
        """Xapian's own consistency check of every local shard, then real searches."""
        report: dict[str, object] = {"engine": KIND, "shards": self.shards}
        if not self.remote:
            errors = 0
            for k in range(self.shards):
                try:
                    errors += int(self._x.Database.check(str(self.shard_path(k))))
                except self._x.Error as e:
                    raise self._corrupt(e) from e
            if errors:
                raise IndexCorrupt(
                    f"the Xapian index at {self.path} has {errors} damaged entries",
                    "rebuild it: `duizhao index --rebuild PATH...`",
                )
        report["read_check"] = self.check_reading()
        return report

    def check_reading(self) -> dict[str, object]:
        """Real searches over the index (the backend's; index.xapian_backend)."""
        raise NotImplementedError

    # --- the shards' write locks ------------------------------------------------------
    def _writers(self, timeout: float) -> list:
        x = self._x
        deadline = time.monotonic() + timeout
        out: list = []
        try:
            for k in range(self.shards):
                while True:
                    try:
                        out.append(open_writable(x, str(self.shard_path(k))))
                        break
                    except x.DatabaseLockError as e:
                        if time.monotonic() >= deadline:
                            raise IndexBusy(
                                f"another process is writing to the index at {self.path}",
                                "wait for it to finish, or pass --wait SECONDS",
                            ) from e
                        time.sleep(0.2)
        except BaseException:
            for db in out:
                db.close()
            raise
        return out


def open_writable(x: Any, path: str) -> Any:
    """A shard opened for writing with Duizhao's flush threshold (a value the user
    set in the environment wins)."""
    with flush_threshold():
        return x.WritableDatabase(path, x.DB_OPEN)


@contextlib.contextmanager
def flush_threshold() -> Iterator[str]:
    """Sets Xapian's flush threshold for the databases opened inside, then puts the
    environment back as it was; yields the value in force."""
    old = os.environ.get(FLUSH_ENV)
    if old is None:
        os.environ[FLUSH_ENV] = str(FLUSH_THRESHOLD)
    try:
        yield os.environ[FLUSH_ENV]
    finally:
        if old is None:
            os.environ.pop(FLUSH_ENV, None)
