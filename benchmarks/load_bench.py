"""Load benchmark for the REST search endpoint behind the real server.

Place in the flow: starts ``duizhao serve`` (waitress) on 127.0.0.1 as a
subprocess over an existing index, then drives ``/api/v1/search`` from N
client threads (keep-alive HTTP/1.1) for a bounded time with a mix of real
Chinese and English queries drawn at run time from the data files in
../shared/data (policy titles, English titles, STARD questions). Prints
requests/s, latency percentiles and errors; ``--json`` for machines.

    python benchmarks/load_bench.py [--index DIR] [--clients 8] [--seconds 30]

Targets (issue 5): >= 100 req/s, p95 < 150 ms, 0 errors on a 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_index import add_index_option, checked_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EN_STOP = {
    "the",
    "of",
    "on",
    "and",
    "for",
    "in",
    "to",
    "a",
    "an",
    "by",
    "with",
    "people's",
    "republic",
    "china",
}


def shared_data() -> Path:
    from index.config import shared_data_dir

    return shared_data_dir()


def draw_queries(n: int, seed: int = 7) -> list[str]:
    """About 60 % Chinese (title words, STARD questions), 40 % English title words."""
    from index import segmenter

    rng = random.Random(seed)
    d = shared_data()
    zh_titles: list[str] = []
    with gzip.open(d / "policy_titles.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("title"):
                zh_titles.append(row["title"].strip())
    en_titles = [
        json.loads(line)["title_en"]
        for line in (d / "en_titles" / "dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    stard: list[str] = []
    qfile = d / "stard" / "dev_queries.tsv"
    if qfile.exists():
        for line in qfile.read_text("utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 2:
                stard.append(parts[1])
    out: list[str] = []
    while len(out) < n:
        r = rng.random()
        if r < 0.45:
            words = [w for w in segmenter.cut(rng.choice(zh_titles)) if len(w) >= 2]
            if words:
                k = min(len(words), rng.choice((1, 2, 2, 3)))
                start = rng.randrange(len(words) - k + 1)
                out.append(" ".join(words[start : start + k]))
        elif r < 0.6 and stard:
            out.append(rng.choice(stard)[:60])
        else:
            words = [w for w in rng.choice(en_titles).split() if w.lower() not in EN_STOP]
            if words:
                k = min(len(words), rng.choice((2, 2, 3)))
                start = rng.randrange(len(words) - k + 1)
                out.append(" ".join(words[start : start + k]))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    index: str, port: int, threads: int, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """``duizhao serve`` as a subprocess. The rate limiter is off unless ``env`` sets
    DUIZHAO_RATE_LIMIT: the clients all come from 127.0.0.1 (or, in the attack
    bench, from their own loopback addresses)."""
    cmd = [
        sys.executable,
        "-c",
        "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))",
        "--index",
        index,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        str(threads),
    ]
    # No access log: nothing drains the pipe, and a full pipe would stall the server.
    full_env = {**os.environ, "DUIZHAO_RATE_LIMIT": "0", "DUIZHAO_ACCESS_LOG": "", **(env or {})}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200:
                return proc
            raise SystemExit(f"health check failed: {r.status} {body[:300]!r}")
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def client(
    port: int,
    queries: list[str],
    stop: float,
    facets_every: int,
    out: dict,
    seed: int,
    source: str | None = None,
) -> None:
    """Loop searches until ``stop``; ``source`` binds the client to a loopback address
    of its own (127.0.0.0/8), so the server sees distinct clients."""
    rng = random.Random(seed)
    src = (source, 0) if source else None

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=src)

    conn = connect()
    lat: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    i = 0
    while time.monotonic() < stop:
        q = rng.choice(queries)
        params = {"q": q, "per_page": 10}
        if facets_every and i % facets_every == 0:
            params["facets"] = "true"
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", "/api/v1/search?" + urlencode(params))
            r = conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{type(e).__name__}: {e}")
            conn.close()
            conn = connect()
            continue
        lat.append(time.perf_counter() - t0)
        statuses[r.status] = statuses.get(r.status, 0) + 1
        # 400 is a correct answer to a query the parser refuses; only 5xx count as errors.
        if r.status >= 500:
            errors.append(f"{r.status} {q!r}: {body[:200]!r}")
    conn.close()
    out["lat"], out["errors"], out["statuses"] = lat, errors, statuses


def client_threads(
    port: int, queries: list[str], stop: float, clients: int, seed: int
) -> tuple[list[threading.Thread], list[dict]]:
    """``clients`` search clients (not started yet) that run until ``stop``, each from
    its own loopback address 127.0.1.N, facets every 4th request; and the dicts they
    report into (for :func:`merge_outs`)."""
    outs: list[dict] = [{} for _ in range(clients)]
    ts = [
        threading.Thread(
            target=client,
            args=(port, queries, stop, 4, outs[i], seed + i),
            kwargs={"source": f"127.0.1.{i + 1}"},
        )
        for i in range(clients)
    ]
    return ts, outs


def merge_outs(outs: list[dict]) -> tuple[list[float], list[str], dict[int, int]]:
    """The clients' results together: sorted latencies, errors, status counts."""
    lat = sorted(x for o in outs for x in o["lat"])
    errors = [e for o in outs for e in o["errors"]]
    statuses: dict[int, int] = {}
    for o in outs:
        for k, v in o["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return lat, errors, statuses


def pct(sorted_vals: list[float], p: float) -> float:
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, round(p / 100 * (len(sorted_vals) - 1))))
    return sorted_vals[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument(
        "--facets-every", type=int, default=4, help="every Nth request asks for facets (0: never)"
    )
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)

    queries = draw_queries(args.queries)
    port = args.port or free_port()
    proc = start_server(args.index, port, args.threads)
    try:
        if args.warmup > 0:
            outs = [{} for _ in range(args.clients)]
            stop = time.monotonic() + args.warmup
            ts = [
                threading.Thread(
                    target=client,
                    args=(port, queries, stop, args.facets_every, outs[i], 100 + i),
                    kwargs={"source": f"127.0.1.{i + 1}"},
                )
                for i in range(args.clients)
            ]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        outs = [{} for _ in range(args.clients)]
        t0 = time.monotonic()
        stop = t0 + args.seconds
        ts = [
            # Each client from its own address, as real users: the front server bounds
            # the requests in flight per address (web/admission.py).
            threading.Thread(
                target=client,
                args=(port, queries, stop, args.facets_every, outs[i], i),
                kwargs={"source": f"127.0.1.{i + 1}"},
            )
            for i in range(args.clients)
        ]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        elapsed = time.monotonic() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    lat, errors, statuses = merge_outs(outs)
    result = {
        "index": args.index,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "req_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(pct(lat, 50) * 1000, 1),
        "p95_ms": round(pct(lat, 95) * 1000, 1),
        "p99_ms": round(pct(lat, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "errors": len(errors),
        "statuses": statuses,
        "facets_every": args.facets_every,
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"{result['requests']} requests in {result['seconds']} s with {args.clients} clients: "
            f"{result['req_per_s']} req/s; p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"p99 {result['p99_ms']} ms; errors {result['errors']}; statuses {statuses}"
        )
        for e in errors[:10]:
            print("  error:", e)
    ok = result["req_per_s"] >= 100 and result["p95_ms"] < 150 and not errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
