"""Integrity of the on-disk index: commit manifests, safe TOC reading, recovery, lock owners.

Place in the flow: used by ``index.storage`` (which writes a manifest inside every
commit) and ``index.whoosh_backend`` (which verifies on open, recovers at start-up and
when it takes the writer lock, and turns disk errors into clear messages). Nothing here
imports Whoosh query code; nothing outside the index package needs this module except
a service that wants :func:`restrict_to`.

Manifest: ``<whoosh dir>/duizhao-manifest-<gen>.json`` lists every file of generation
``gen`` with its size and crc32, and the TOC's size and sha256. It is written durably
*before* the TOC rename that commits the generation, so a committed generation always
has one. Checks:

- always (every open, every new generation a reader sees): the TOC's sha256 (the TOC is
  a pickle, so it is checked before anything is unpickled) and every file's size;
- ``full=True`` (the default for ``WhooshBackend``; ``duizhao check``; server start-up):
  also each segment file's crc32, once per file per process -- segment files never change
  after their commit, so later generations only cost their new files. crc32 runs at
  ~1.6 GB/s here (sha256 ~0.4 GB/s); it is for detecting damage, not forgery.

A checksum in the folder cannot stop someone who can write the folder. Against a crafted
folder there are two further guards: the TOC is unpickled with an allow-list of Whoosh
schema/segment classes (no ``os.system``), and :func:`restrict_to` pins the folders a
service may open at all.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import signal
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

from index.errors import (  # IndexNotAllowed, IndexWriteFailed re-exported
    DuizhaoError,
    IndexCorrupt,
    IndexNotAllowed,
    IndexWriteFailed,
)
from index.fsync import fsync_dir

MANIFEST_PREFIX = "duizhao-manifest-"
MANIFEST_RE = re.compile(r"^duizhao-manifest-([0-9]+)\.json$")
OWNER_FILE = "duizhao-writer.json"
REBUILD_HINT = (
    "rebuild it: `duizhao index --rebuild PATH...` (or delete the folder and index again)"
)
_CHUNK = 1 << 20


# --- manifests -----------------------------------------------------------------


def manifest_name(gen: int) -> str:
    return f"{MANIFEST_PREFIX}{gen}.json"


def crc32_file(path: str | os.PathLike) -> int:
    c = 0
    with open(path, "rb") as f:
        while b := f.read(_CHUNK):
            c = zlib.crc32(b, c)
    return c


def load_manifest(folder: str | os.PathLike, gen: int) -> dict | None:
    """The manifest of ``gen``, or None if there is none; IndexCorrupt if damaged.

    The file is ``<sha256 of the JSON> LF <JSON>``: damage to the manifest itself is
    detected too, even where the JSON would still parse.
    """
    p = Path(folder) / manifest_name(gen)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        return None
    try:
        digest, _, body = data.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != digest:
            raise ValueError("checksum mismatch")
        m = json.loads(body)
        if m.get("generation") != gen or not isinstance(m.get("files"), dict):
            raise ValueError("wrong generation or shape")
        return m
    except (ValueError, AttributeError) as e:
        raise _corrupt(folder, f"its checksum manifest {p.name} is damaged ({e})") from e


def write_manifest(
    folder: str | os.PathLike, gen: int, files: Iterable[str], toc_tmp: str, toc_name: str
) -> dict:
    """Write the manifest of generation ``gen`` durably (temp file, fsync, rename).

    The caller fsyncs the folder afterwards (it does so anyway before the TOC rename).
    crc32s of files already listed by an older manifest with the same size are reused:
    segment files never change after their commit.
    """
    folder = Path(folder)
    known = committed_files(folder, gen)
    entries: dict[str, dict] = {}
    for name in sorted(files):
        size = (folder / name).stat().st_size
        prev = known.get(name)
        if prev and prev.get("size") == size:
            entries[name] = prev
        else:
            entries[name] = {"size": size, "crc32": crc32_file(folder / name)}
    toc_bytes = (folder / toc_tmp).read_bytes()
    manifest = {
        "format": 1,
        "generation": gen,
        "toc": {
            "name": toc_name,
            "size": len(toc_bytes),
            "sha256": hashlib.sha256(toc_bytes).hexdigest(),
        },
        "files": entries,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    tmp = folder / (manifest_name(gen) + ".tmp")
    body = json.dumps(manifest, indent=0, sort_keys=True).encode()
    with open(tmp, "wb") as f:
        f.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / manifest_name(gen))
    return manifest


def committed_files(folder: str | os.PathLike, gen: int) -> dict[str, dict]:
    """name -> {size, crc32} of the files listed by manifests older than ``gen``
    (already durable: they were synced by their own commit)."""
    known: dict[str, dict] = {}
    for old in _manifest_gens(Path(folder)):
        if old < gen:
            with contextlib.suppress(DuizhaoError):
                m = load_manifest(folder, old)
                if m:
                    known.update(m["files"])
    return known


def _manifest_gens(folder: Path) -> list[int]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(int(m.group(1)) for n in names if (m := MANIFEST_RE.match(n)))


def remove_old_manifests(folder: str | os.PathLike, gen: int) -> None:
    for g in _manifest_gens(Path(folder)):
        if g < gen:
            with contextlib.suppress(OSError):
                os.remove(Path(folder) / manifest_name(g))


def has_manifests(folder: str | os.PathLike) -> bool:
    return bool(_manifest_gens(Path(folder)))


# Files whose full checksum this process already verified: (path, ino, size, mtime_ns).
# Threads of one process share it (a check beside a search): every access holds the lock.
_verified: set[tuple[str, int, int, int]] = set()
_verified_lock = threading.Lock()


class _Vanished(Exception):
    """A file of the generation disappeared while checking it: a writer moved on."""


def _corrupt(folder: str | os.PathLike, what: str) -> IndexCorrupt:
    where = Path(folder).parent
    return IndexCorrupt(
        f"the index at {where} is damaged: {what}; it was not used", REBUILD_HINT, path=str(where)
    )


def verify_generation(folder: str | os.PathLike, gen: int, manifest: dict, *, full: bool) -> None:
    """Check the files of ``gen`` against its manifest (sizes always, crc32s if ``full``).

    Raises IndexCorrupt naming the first bad file, or _Vanished if a file is missing.
    """
    folder = Path(folder)
    for name, entry in sorted(manifest["files"].items()):
        p = folder / name
        try:
            st = p.stat()
        except FileNotFoundError:
            raise _Vanished(name) from None
        if st.st_size != entry.get("size"):
            raise _corrupt(
                folder, f"{name} has {st.st_size} bytes, its commit wrote {entry.get('size')}"
            )
        if not full:
            continue
        key = (str(p), st.st_ino, st.st_size, st.st_mtime_ns)
        with _verified_lock:
            if key in _verified:
                continue
        try:
            c = crc32_file(p)
        except FileNotFoundError:
            raise _Vanished(name) from None
        if c != entry.get("crc32"):
            raise _corrupt(folder, f"{name} fails its checksum")
        with _verified_lock:
            _verified.add(key)


# --- reading the TOC safely -----------------------------------------------------

# The TOC pickles the schema (fields, formats, columns, analyzers -- ours included) and
# the segment list. Only those classes may be named; anything else (os.system,
# subprocess, builtins.eval ...) makes the TOC count as damaged.
_ALLOWED_MODULE_PREFIXES = (
    "whoosh.fields",
    "whoosh.formats",
    "whoosh.columns",
    "whoosh.analysis.",
    "whoosh.codec.",
    "whoosh.idsets",
    "whoosh.lang.",
    "whoosh.support.",
    "index.analysis",
)
_ALLOWED_GLOBALS = {
    ("builtins", "frozenset"),
    ("builtins", "set"),
    ("builtins", "int"),
    ("builtins", "float"),
    ("builtins", "bytes"),
    ("builtins", "bytearray"),
    ("builtins", "object"),
    ("collections", "defaultdict"),
    ("collections", "OrderedDict"),
    ("copyreg", "_reconstructor"),
    ("re", "_compile"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module == "__builtin__":
            module, name = "builtins", {"long": "int", "unicode": "str"}.get(name, name)
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module.startswith(_ALLOWED_MODULE_PREFIXES) and "." not in name:
            obj = super().find_class(module, name)
            # Classes and stemming functions defined in those modules, never a module
            # they import (whoosh.fields names ``os``? no -- but be sure).
            if getattr(obj, "__module__", "").startswith(_ALLOWED_MODULE_PREFIXES):
                return obj
        raise pickle.UnpicklingError(f"the index TOC names {module}.{name}, which is not allowed")


def safe_loads(data: bytes) -> object:
    return _SafeUnpickler(io.BytesIO(data)).load()


def parse_toc(data: bytes, gen: int, schema=None):
    """A Whoosh ``TOC`` from the bytes of ``_MAIN_<gen>.toc`` (same layout as
    ``whoosh.index.TOC.read``, restricted unpickling)."""
    from whoosh.fields import ensure_schema
    from whoosh.filedb.structfile import StructFile
    from whoosh.index import _CURRENT_TOC_VERSION, TOC
    from whoosh.system import _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE

    s = StructFile(io.BytesIO(data))
    for target in (_INT_SIZE, _LONG_SIZE, _FLOAT_SIZE):
        if s.read_varint() != target:
            raise ValueError("made on another architecture")
    if s.read_int() != -12345:
        raise ValueError("byte order")
    version = s.read_int()
    if version != _CURRENT_TOC_VERSION:
        raise ValueError(f"TOC format {version}")
    release = (s.read_varint(), s.read_varint(), s.read_varint())
    blob = s.read_string()
    if schema is None:
        schema = safe_loads(blob)
    schema = ensure_schema(schema)
    if s.read_int() != gen:
        raise ValueError("generation mismatch")
    s.read_int()
    segments = safe_loads(s.file.read())
    if not isinstance(segments, list):
        raise ValueError("segment list")
    return TOC(schema, segments, gen, version=version, release=release)


def read_verified_toc(storage, indexname: str, *, schema=None, full: bool = True):
    """The latest generation's TOC, after checking it against its manifest.

    A generation without a manifest is read only when ``storage.require_manifest`` is
    false (an index from before manifests existed). Retries when a concurrent commit
    removes the files of the generation being checked.
    """
    from whoosh.index import TOC, EmptyIndexError

    folder = storage.folder
    require = getattr(storage, "require_manifest", True)
    last_err: Exception | None = None
    for _ in range(20):
        gen = TOC._latest_generation(storage, indexname)
        if gen < 0:
            raise EmptyIndexError(f"Index {indexname!r} does not exist in {folder!r}")
        tocname = TOC._filename(indexname, gen)
        try:
            manifest = load_manifest(folder, gen)
            data = (Path(folder) / tocname).read_bytes()
            if manifest is None:
                if require:
                    if TOC._latest_generation(storage, indexname) != gen:
                        continue
                    raise _corrupt(folder, f"generation {gen} has no checksum manifest")
            else:
                toc = manifest.get("toc", {})
                if len(data) != toc.get("size") or hashlib.sha256(data).hexdigest() != toc.get(
                    "sha256"
                ):
                    raise _corrupt(folder, f"{tocname} fails its checksum")
                verify_generation(folder, gen, manifest, full=full)
            try:
                return parse_toc(data, gen, schema)
            except Exception as e:  # any damage inside a pickle: never a traceback
                raise _corrupt(folder, f"{tocname} cannot be read ({e})") from e
        except (_Vanished, FileNotFoundError) as e:
            last_err = e
            if TOC._latest_generation(storage, indexname) == gen:
                # Nobody committed meanwhile: the file is really missing.
                raise _corrupt(folder, f"{e} of generation {gen} is missing") from None
            time.sleep(0.01)
    raise _corrupt(folder, f"it keeps changing while being checked ({last_err})")


def check_index(index_dir: str | os.PathLike) -> dict[str, object]:
    """Full check of an index folder (``duizhao check``): every checksum, recomputed.

    Returns {"generation", "files", "bytes", "seconds"}; raises IndexCorrupt.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    folder = Path(index_dir) / "whoosh"
    t0 = time.perf_counter()
    storage = FileStorage(str(folder), readonly=True)
    gen = TOC._latest_generation(storage, "MAIN")
    if gen < 0:
        raise _corrupt(folder, "it has no committed generation")
    manifest = load_manifest(folder, gen)
    if manifest is None:
        raise _corrupt(folder, f"generation {gen} has no checksum manifest")
    # Forget earlier verifications: a check recomputes everything.
    with _verified_lock:
        _verified.difference_update([k for k in _verified if k[0].startswith(str(folder))])
    storage.require_manifest = True  # type: ignore[attr-defined]
    read_verified_toc(storage, "MAIN", full=True)
    return {
        "generation": gen,
        "files": len(manifest["files"]) + 1,
        "bytes": sum(e["size"] for e in manifest["files"].values()) + manifest["toc"]["size"],
        "seconds": round(time.perf_counter() - t0, 3),
    }


# --- start-up recovery (the caller holds the writer lock) ---------------------------

_TEMP_TOC_RE = re.compile(r"^_MAIN_[0-9]+\.toc\..+$")
_TOC_RE = re.compile(r"^_MAIN_([0-9]+)\.toc$")
_SEG_RE = re.compile(r"^(MAIN_[0-9a-z]+)\.[A-Za-z0-9_.]+$")


def recover(folder: str | os.PathLike, *, manifest_required: bool = True) -> list[str]:
    """Remove what interrupted commits left behind; returns the names removed.

    Only call while holding the writer lock: then no writer is between its first
    segment file and its TOC rename, so every file the latest TOC does not use is dead.
    Leftover temp TOCs, writer temp folders and manifests of other generations always
    go; older TOCs and orphan segment files only when the latest generation checks out
    (so nothing that could help a manual rescue is deleted from a damaged index).
    """
    folder = Path(folder)
    removed: list[str] = []

    def rm(name: str) -> None:
        p = folder / name
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(name)
        except FileNotFoundError:
            pass

    names = os.listdir(folder)
    gens = [int(m.group(1)) for n in names if (m := _TOC_RE.match(n))]
    latest = max(gens, default=-1)
    for n in names:
        if _TEMP_TOC_RE.match(n) or n.endswith(".json.tmp") or n.endswith(".tmp"):
            rm(n)  # temp TOCs, temp manifests, Whoosh writer temp folders (MAIN.tmp)
        elif (m := MANIFEST_RE.match(n)) and int(m.group(1)) > latest:
            rm(n)  # written before a TOC rename that never happened
    if latest < 0:
        return removed
    manifest = None
    with contextlib.suppress(DuizhaoError):
        manifest = load_manifest(folder, latest)
    if manifest is None:
        if manifest_required:
            return removed
        keep = _legacy_segment_files(folder, latest)
        if keep is None:
            return removed
    else:
        try:
            verify_generation(folder, latest, manifest, full=False)
        except (DuizhaoError, _Vanished):
            return removed
        keep = set(manifest["files"])
    for n in os.listdir(folder):
        old = _TOC_RE.match(n) or MANIFEST_RE.match(n)
        if (old and int(old.group(1)) < latest) or (_SEG_RE.match(n) and n not in keep):
            rm(n)
    if removed:
        with contextlib.suppress(OSError):
            fsync_dir(folder)
    return removed


def _legacy_segment_files(folder: Path, gen: int) -> set[str] | None:
    try:
        toc = parse_toc((folder / f"_MAIN_{gen}.toc").read_bytes(), gen)
    except Exception:  # a damaged legacy TOC: keep everything
        return None
    ids = {s.segment_id() + "." for s in toc.segments}
    return {n for n in os.listdir(folder) if any(n.startswith(i) for i in ids)}


def adopt_legacy(folder: str | os.PathLike) -> int:
    """Write a manifest for the latest generation of an index made before manifests
    (caller holds the writer lock). Returns the generation."""
    folder = Path(folder)
    names = os.listdir(folder)
    gen = max((int(m.group(1)) for n in names if (m := _TOC_RE.match(n))), default=-1)
    if gen < 0:
        raise _corrupt(folder, "it has no committed generation")
    files = _legacy_segment_files(folder, gen)
    if files is None:
        raise _corrupt(folder, f"_MAIN_{gen}.toc cannot be read")
    toc = f"_MAIN_{gen}.toc"
    write_manifest(folder, gen, files, toc, toc)
    fsync_dir(folder)
    return gen


# --- who holds the writer lock --------------------------------------------------


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a live process from a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after it.
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if start is not None and Path("/proc").is_dir():
        now = _start_time(pid)
        if now is None:
            return False
        # A zombie (state Z) holds no files.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return now == start and state != "Z"
    return True


def record_lock_owner(folder: str | os.PathLike, workers: Iterable[int] = ()) -> None:
    """Note which process (and which of its workers) holds the writer lock."""
    pid = os.getpid()
    rec = {
        "pid": pid,
        "start": _start_time(pid),
        "workers": [[w, _start_time(w)] for w in workers if w],
        "since": time.time(),
    }
    tmp = Path(folder) / (OWNER_FILE + f".{pid}.tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps(rec), "utf-8")
        os.replace(tmp, Path(folder) / OWNER_FILE)


def clear_lock_owner(folder: str | os.PathLike) -> None:
    p = Path(folder) / OWNER_FILE
    try:
        rec = json.loads(p.read_text("utf-8"))
    except (OSError, ValueError):
        return
    if rec.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            p.unlink()


def lock_owner(folder: str | os.PathLike) -> dict | None:
    try:
        return json.loads((Path(folder) / OWNER_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def release_stale_lock(folder: str | os.PathLike) -> list[int]:
    """If the recorded lock owner is dead, kill its leftover workers (which hold the
    lock through a descriptor they inherited) and return their pids. Never touches a
    process that is not recorded as a worker of a dead owner."""
    rec = lock_owner(folder)
    if not rec or _alive(int(rec.get("pid", 0)), rec.get("start")):
        return []
    killed = []
    for pid, start in rec.get("workers", []):
        if pid != os.getpid() and start is not None and _alive(int(pid), start):
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
    return killed


def lock_holders(lock_path: str | os.PathLike) -> list[int]:
    """Pids of processes with the lock file open (Linux /proc; [] elsewhere)."""
    try:
        ino = os.stat(lock_path).st_ino
    except OSError:
        return []
    out = []
    with contextlib.suppress(OSError):
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{d}/fd"):
                    with contextlib.suppress(OSError):
                        st = os.stat(f"/proc/{d}/fd/{fd}")
                        if st.st_ino == ino and os.readlink(f"/proc/{d}/fd/{fd}").endswith(
                            os.path.basename(lock_path)
                        ):
                            out.append(int(d))
                            break
    return out


# --- disk errors -------------------------------------------------------------------


def write_failure(path: str | os.PathLike, e: OSError) -> IndexWriteFailed:
    """A clear message for an OSError while writing the index at ``path``."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexWriteFailed(
            f"the disk holding the index at {path} is full; nothing from this run was "
            "committed and the previous index is intact",
            "free some space (this run's partial files were removed) and run it again",
            errno=e.errno,
        )
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return IndexWriteFailed(
            f"the index folder {path} is not writable ({os.strerror(e.errno)}); "
            "nothing was changed",
            "make the folder writable, or index into another folder with --index DIR",
            errno=e.errno,
        )
    return IndexWriteFailed(
        f"writing the index at {path} failed ({os.strerror(e.errno or 0) or e}); "
        "the previous index is intact",
        "fix the problem and run it again",
        errno=e.errno or 0,
    )


# --- which folders a service may open -------------------------------------------------

_allowed_roots: set[Path] | None = None


def restrict_to(*paths: str | os.PathLike) -> None:
    """From now on this process opens only these index folders (``WhooshBackend``
    raises IndexNotAllowed for any other). A service calls this once at start-up with
    its configured index, so no request can make it open (and unpickle) a folder a
    user supplied. ``restrict_to()`` with no paths lifts the restriction."""
    global _allowed_roots
    _allowed_roots = {Path(p).resolve() for p in paths} if paths else None


def check_allowed(path: str | os.PathLike) -> None:
    if _allowed_roots is not None and Path(path).resolve() not in _allowed_roots:
        raise IndexNotAllowed(
            "this service only opens its configured index folder",
            "set the index folder in the service configuration (DUIZHAO_INDEX)",
        )
