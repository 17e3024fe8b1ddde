"""``duizhao index --backend xapian --shards N`` and ``duizhao shard-serve``.

Place in the flow: a face, like web/cli.py (which registers these commands).
Indexing goes through ``index.backends.open_backend`` (the Xapian backend writes
one shard per folder, documents routed by a stable hash of their id);
``shard-serve`` runs Xapian's own TCP server, ``xapian-tcpsrv``, on one shard
folder so that ``--index xapian+tcp://host:port,host:port`` can search and serve
across machines. The server is a child process this command owns: stopping the
command (Ctrl-C, SIGTERM) stops and reaps it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from index.errors import IndexMissing, InputError

SERVER = "xapian-tcpsrv"
# A connection idle or a request unanswered this long is dropped by the server
# (clients reconnect on their next search).
SERVER_TIMEOUT_MS = 60_000


def add_index_options(s: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--shards`` for ``duizhao index``."""
    s.add_argument(
        "--backend",
        choices=("whoosh", "xapian"),
        help="engine of a new index (default whoosh; an existing index keeps its own)",
    )
    s.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="with --backend xapian: split a new index into N shard folders",
    )


def backend_options(args: argparse.Namespace) -> dict[str, object]:
    """The engine options ``duizhao index`` passes to ``index_paths``."""
    if getattr(args, "shards", None):
        if getattr(args, "backend", None) != "xapian":
            raise InputError("--shards needs --backend xapian", "add --backend xapian")
        return {"shards": args.shards}
    return {}


def server_command(shard_dir: Path, port: int, host: str) -> list[str]:
    """The ``xapian-tcpsrv`` command line for one shard (read-only)."""
    exe = shutil.which(SERVER)
    if exe is None:
        raise InputError(
            f"{SERVER} is not installed",
            "install Xapian's tools: `apt-get install xapian-tools`",
        )
    return [
        exe,
        "--port",
        str(port),
        "--interface",
        host,
        "--timeout",
        str(SERVER_TIMEOUT_MS),
        "--quiet",
        str(shard_dir),
    ]


def shard_dir(index: str | os.PathLike, shard: int) -> Path:
    """The folder of shard ``shard`` of a local Xapian index (checked)."""
    from index.backends import backend_kind
    from index.xapian_backend import META_FILE

    root = Path(index)
    if backend_kind(root) != "xapian":
        raise IndexMissing(
            f"{root} is not a Xapian index",
            "build one with `duizhao --index DIR index --backend xapian --shards N PATH...`",
        )
    try:
        shards = int(json.loads((root / META_FILE).read_text("utf-8")).get("shards", 1))
    except (OSError, ValueError) as e:
        raise IndexMissing(f"cannot read {root / META_FILE}", "check the index folder") from e
    if not 0 <= shard < shards:
        raise InputError(
            f"the index at {root} has shards 0 to {shards - 1}, not {shard}",
            f"give --shard between 0 and {shards - 1}",
        )
    return root / f"shard-{shard:02d}"


def cmd_shard_serve(args: argparse.Namespace) -> int:
    from index.config import index_path

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be 1 to 65535, not {args.port}", "e.g. --port 7001")
    cmd = server_command(shard_dir(index_path(args.index), args.shard), args.port, args.host)
    print(
        f"serving shard {args.shard} of {index_path(args.index)} on {args.host}:{args.port} "
        f"(search it with --index xapian+tcp://{args.host}:{args.port},...); Ctrl-C stops",
        file=sys.stderr,
    )
    # Its own process group: xapian-tcpsrv forks a child per connection, and stopping
    # the group stops those too.
    proc = subprocess.Popen(cmd, start_new_session=True)  # our argument list

    def stop(sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)

    previous = signal.signal(signal.SIGTERM, lambda *_: stop())
    try:
        rc = proc.wait()
    except KeyboardInterrupt:
        rc = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(signal.SIGKILL)
            proc.wait()
    if rc < 0 and rc != -signal.SIGTERM:
        raise InputError(f"{SERVER} was stopped by signal {-rc}", "start it again")
    if rc > 0:
        raise InputError(
            f"{SERVER} stopped with status {rc}", "is the port already in use? try another --port"
        )
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("shard-serve", help="serve one shard of a Xapian index over TCP")
    s.add_argument("--shard", type=int, required=True, metavar="K")
    s.add_argument("--port", type=int, required=True, metavar="P")
    s.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    s.set_defaults(func=cmd_shard_serve)
