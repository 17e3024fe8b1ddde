"""Peak memory of importing a gzip bomb (issue 9, item 6).

Place in the flow: runs the real ``duizhao index`` command (``web.cli.main``) in a
child process on a generated file and reports the child's peak RSS (its own and its
indexing workers'), the time taken and what was indexed::

    python benchmarks/import_bomb_bench.py [--gib 2] [--procs 2] [--level 1]

The file is one gzip stream: good records, then one "line" of ``--gib`` GiB of zero
bytes with no newline, then a newline and more good records. Before the import read
lines with a cap, a 9.4 MB gzip of zeros peaked at 4.27 GB RSS. Target: under 300 MB,
with the good records on both sides indexed and the bomb skipped with its line number.
tests/test_import_safety.py imports ``make_bomb`` and ``run_import`` with a small bomb.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in the child: the CLI, then its peak RSS (KiB) on stderr's last line. Its own peak
# is read from /proc (VmHWM): Linux carries the ru_maxrss of the process that started it
# across exec, so under pytest ru_maxrss would report pytest's size. Its workers (forked,
# no exec) are measured with RUSAGE_CHILDREN.
_CHILD = """
import resource, sys
from web.cli import main
rc = main(sys.argv[1:])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as f:
        own = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"PEAK_RSS_KIB {max(own, workers)}", file=sys.stderr)
sys.exit(rc)
"""


def good_record(n: int) -> bytes:
    rec = {"id": f"good-{n}", "title": f"关于数据安全的通知{n}", "body": f"第一条 数据安全{n}。"}
    return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"


def make_bomb(path: Path, zero_bytes: int, before: int = 3, after: int = 3, level: int = 1) -> int:
    """Write the bomb file; return its size. Good records 0..before-1 come first, the
    zeros are on line ``before + 1``, then records before..before+after-1."""
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: a gzip stream
    chunk = bytes(1 << 20)
    with open(path, "wb") as f:
        f.write(comp.compress(b"".join(good_record(i) for i in range(before))))
        left = zero_bytes
        while left > 0:
            n = min(left, len(chunk))
            f.write(comp.compress(chunk[:n]))
            left -= n
        f.write(comp.compress(b"\n" + b"".join(good_record(before + i) for i in range(after))))
        f.write(comp.flush())
    return path.stat().st_size


def run_import(
    data: Path, index: Path, procs: int = 2, timeout: float = 600.0
) -> tuple[subprocess.CompletedProcess, int]:
    """``duizhao --index INDEX index DATA --procs N --json`` in a child; (process,
    peak RSS in bytes of the child and its workers)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DUIZHAO_INDEX", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            "--index",
            str(index),
            "index",
            str(data),
            "--procs",
            str(procs),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    peak = 0
    for line in proc.stderr.splitlines():
        if line.startswith("PEAK_RSS_KIB "):
            peak = int(line.split()[1]) * 1024
    return proc, peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gib", type=float, default=2.0, help="zero bytes in the bomb, GiB")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--level", type=int, default=1, help="gzip level of the bomb")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="duizhao-bomb-") as tmp:
        bomb = Path(tmp) / "bomb.jsonl.gz"
        t0 = time.perf_counter()
        size = make_bomb(bomb, int(args.gib * 1024**3), level=args.level)
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        proc, peak = run_import(bomb, Path(tmp) / "ix", procs=args.procs)
        took = time.perf_counter() - t0
    print(f"bomb: {args.gib:g} GiB of zeros in a {size / 1e6:.1f} MB gzip (made in {made:.1f} s)")
    print(f"import: exit {proc.returncode}, {took:.1f} s, --procs {args.procs}")
    print(f"peak RSS (child and its workers): {peak / 1e6:.0f} MB (target < 300 MB)")
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        print(proc.stderr[-2000:])
        return 1
    print(f"indexed: {report['added']} added, {report['skipped']} skipped")
    for p in report["problems"]:
        print(f"  {p}")
    ok = (
        proc.returncode == 0
        and peak < 300e6
        and report["added"] == 6
        and "Traceback" not in proc.stderr
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
