"""Load benchmark for the REST search endpoint behind the real server.

Place in the flow: starts ``duizhao serve`` (waitress) on 127.0.0.1 as a
subprocess over an existing index, then drives ``/api/v1/search`` from N
client threads (keep-alive HTTP/1.1) for a bounded time with a mix of real
Chinese and English queries drawn at run time from the data files in
../shared/data (policy titles, English titles, STARD questions). Prints
requests/s, latency percentiles and errors; ``--json`` for machines.

    python benchmarks/load_bench.py [--index DIR] [--clients 8] [--seconds 30]
        [--before CHECKOUT | --cache-off-too] [--rounds N] [--same N] [--distinct]

Besides latency it prints the CPU time the server's processes spent per request (the
app processes and the front server apart): on a shared machine that moves far less
than requests/s, which mostly measure the other jobs. With ``--before CHECKOUT``
(another checkout with its own .venv: the code before a change) a server of each
checkout runs over the same index; ``--rounds`` measuring phases alternate between
them (before, after, after, before ...), and ``--same N`` first compares their answers
to N queries drawn as the load is (JSON with and without facets, page 2, the HTML
results page, pages 1 and 2): byte for byte, the timing fields aside.
``--cache-off-too`` runs this checkout twice instead, its result cache off
("before") and on ("after"), compared the same way.

Clients draw their queries with replacement from a finite list (``--queries``), so
a query comes back often, as on a real site, and the result cache answers it
(search/result_cache.py). ``--distinct`` gives every request of a server a query
of its own (no repeats in the whole run, warm-up included): what the cache cannot
help. Each phase prints the share of searches the cache answered (``X-Cache``).

Targets (issue 5): >= 100 req/s, p95 < 150 ms, 0 errors on a 2-core machine.
Target (issue 13): >= 150 req/s over two remote Xapian shards.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import http.client
import json
import os
import random
import re
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


def checkout_python(root: Path) -> str:
    """The Python of a checkout: its own .venv when it has one, else this one."""
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def start_server(
    index: str,
    port: int,
    threads: int,
    env: dict[str, str] | None = None,
    root: Path = ROOT,
) -> subprocess.Popen:
    """``duizhao serve`` as a subprocess (the code of checkout ``root``). The rate
    limiter is off unless ``env`` sets DUIZHAO_RATE_LIMIT: the clients all come from
    127.0.0.1 (or, in the attack bench, from their own loopback addresses)."""
    cmd = [
        checkout_python(root),
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
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env
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
    proc.wait()
    raise SystemExit("server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stat(pid: int) -> list[str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rsplit(")", 1)[1].split()


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                children.setdefault(int(st[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _is_front(pid: int) -> bool:
    try:
        return b"web.front" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds (user + system) of ``root`` and its descendants; the front server's
    share separately. Less sensitive than latency to other jobs on the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = front = 0.0
    for pid in _tree(root):
        st = _stat(pid)
        if st:
            cpu = (int(st[11]) + int(st[12])) / tick
            total += cpu
            if _is_front(pid):
                front += cpu
    return {"total": total, "front": front}


def tree_memory(root: int) -> list[dict[str, object]]:
    """RSS and PSS (MB) of each process of the server: forked workers share the warmed
    app's pages, so PSS (each shared page split among its users) is the fair share."""
    out: list[dict[str, object]] = []
    for pid in _tree(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        kb = {
            line.split(":")[0]: int(line.split()[1])
            for line in rollup.splitlines()[1:]
            if line.split()[-1] == "kB"
        }
        role = "front" if _is_front(pid) else ("main" if pid == root else "worker")
        out.append(
            {"role": role, "rss_mb": kb.get("Rss", 0) >> 10, "pss_mb": kb.get("Pss", 0) >> 10}
        )
    return out


class DistinctQueries:
    """Queries handed out once each, shared by a server's clients (``--distinct``);
    when they run out they start again, and every repeat is counted."""

    def __init__(self, queries: list[str]) -> None:
        self.queries = list(dict.fromkeys(queries))
        self.i = 0
        self.repeats = 0
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            if self.i >= len(self.queries):
                self.repeats += 1
            q = self.queries[self.i % len(self.queries)]
            self.i += 1
            return q


def client(
    port: int,
    queries: list[str],
    stop: float,
    facets_every: int,
    out: dict,
    seed: int,
    source: str | None = None,
    pick: DistinctQueries | None = None,
) -> None:
    """Loop searches until ``stop``; ``source`` binds the client to a loopback address
    of its own (127.0.0.0/8), so the server sees distinct clients; ``pick`` hands out
    distinct queries (else each is drawn from ``queries`` with replacement)."""
    rng = random.Random(seed)
    src = (source, 0) if source else None

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=src)

    conn = connect()
    lat: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    cache = {"hit": 0, "miss": 0}
    i = 0
    while time.monotonic() < stop:
        q = pick() if pick is not None else rng.choice(queries)
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
        said = r.getheader("X-Cache")
        if said in cache:
            cache[said] += 1
        # 400 is a correct answer to a query the parser refuses; only 5xx count as errors.
        if r.status >= 500:
            errors.append(f"{r.status} {q!r}: {body[:200]!r}")
    conn.close()
    out["lat"], out["errors"], out["statuses"], out["cache"] = lat, errors, statuses, cache


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


def run_load(
    port: int,
    queries: list[str],
    clients: int,
    seconds: float,
    facets_every: int,
    seed: int,
    pick: DistinctQueries | None = None,
) -> tuple[list[dict], float]:
    """``clients`` clients (each from its own address, as real users: the front server
    bounds the requests in flight per address, web/admission.py) for ``seconds``;
    ``pick``: the server's distinct queries (``--distinct``)."""
    outs: list[dict] = [{} for _ in range(clients)]
    t0 = time.monotonic()
    stop = t0 + seconds
    ts = [
        threading.Thread(
            target=client,
            args=(port, queries, stop, facets_every, outs[i], seed + i),
            kwargs={"source": f"127.0.1.{i + 1}", "pick": pick},
        )
        for i in range(clients)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return outs, time.monotonic() - t0


def summary(outs: list[dict], elapsed: float, cpu: dict[str, float] | None = None) -> dict:
    lat, errors, statuses = merge_outs(outs)
    out: dict = {
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "req_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(pct(lat, 50) * 1000, 1),
        "p95_ms": round(pct(lat, 95) * 1000, 1),
        "p99_ms": round(pct(lat, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "errors": len(errors),
        "error_samples": errors[:10],
        "statuses": statuses,
    }
    hits = sum(o.get("cache", {}).get("hit", 0) for o in outs)
    misses = sum(o.get("cache", {}).get("miss", 0) for o in outs)
    out["cache_hit_rate"] = round(hits / (hits + misses), 3) if hits + misses else None
    if cpu is not None and lat:
        out["server_cpu_ms_per_request"] = round(cpu["total"] * 1000 / len(lat), 2)
        out["front_cpu_ms_per_request"] = round(cpu["front"] * 1000 / len(lat), 2)
        out["app_cpu_ms_per_request"] = round((cpu["total"] - cpu["front"]) * 1000 / len(lat), 2)
    return out


# The warm-up's clients draw from their own seeds: with 100 (the old value) the second
# measuring round (seeds 100 + i) replayed the warm-up's queries in the same order.
WARMUP_SEED = 10_000

# Timing fields, the only parts of an answer allowed to differ between two checkouts.
_TIMING = (
    (re.compile(rb'"took_ms": ?-?[0-9.e+-]+'), b'"took_ms":0'),
    (re.compile(rb"\xc2\xb7 [0-9]+ ms</span>"), b"\xc2\xb7 0 ms</span>"),
)


def same_queries(queries: list[str], n: int) -> list[str]:
    """The ``n`` queries whose answers the two servers compare."""
    return random.Random(13).sample(queries, min(n, len(queries)))


def same_requests(queries: list[str], n: int) -> list[str]:
    """Paths for ``n`` queries drawn as the load draws them: JSON with and without
    facets and its page 2, the HTML results page and its page 2."""
    paths = []
    for q in same_queries(queries, n):
        paths.append("/api/v1/search?" + urlencode({"q": q, "per_page": 10}))
        paths.append("/api/v1/search?" + urlencode({"q": q, "per_page": 10, "facets": "true"}))
        paths.append("/api/v1/search?" + urlencode({"q": q, "per_page": 10, "page": 2}))
        paths.append("/search?" + urlencode({"q": q}))
        paths.append("/search?" + urlencode({"q": q, "page": 2}))
    return paths


def fetch_all(port: int, paths: list[str]) -> list[tuple[int, bytes]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    try:
        for path in paths:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            for pattern, repl in _TIMING:
                body = pattern.sub(repl, body)
            out.append((r.status, body))
    finally:
        conn.close()
    return out


def compare_answers(ports: dict[str, int], queries: list[str], n: int) -> dict:
    """The two servers' answers to the same requests, compared byte for byte (timing
    fields aside). A search cut short by the time limit (the machine's load, not the
    code) on either side is counted apart, not as a difference; so is an answer that
    differed once and is identical when both are asked again (a deadline reached in
    a step that leaves no notice, e.g. snippets shown unmarked)."""
    paths = same_requests(queries, n)
    got = {name: fetch_all(port, paths) for name, port in ports.items()}
    diffs, cut, again = [], 0, 0
    for path, a, b in zip(paths, got["before"], got["after"], strict=True):
        if a == b:
            continue
        if b"cut short" in a[1] + b[1]:
            cut += 1
        elif fetch_all(ports["before"], [path]) == fetch_all(ports["after"], [path]):
            again += 1
        else:
            diffs.append(path)
    return {
        "requests": len(paths),
        "identical": len(paths) - len(diffs) - cut - again,
        "cut_short": cut,
        "identical_when_asked_again": again,
        "different": len(diffs),
        "different_paths": diffs[:20],
    }


# long: the benchmark's driver: options, one or two servers, rounds, the report.
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0, help="of each measuring phase")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    ap.add_argument("--threads", type=int, default=8, help="request threads in all")
    ap.add_argument(
        "--facets-every", type=int, default=4, help="every Nth request asks for facets (0: never)"
    )
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--before", type=Path, help="another checkout (old code) to compare with")
    ap.add_argument("--rounds", type=int, default=1, help="measuring phases per server")
    ap.add_argument(
        "--cache-off-too",
        action="store_true",
        help="instead of --before: this checkout with its result cache off, then on",
    )
    ap.add_argument(
        "--same",
        type=int,
        default=0,
        help="with two servers: compare answers to N queries first",
    )
    ap.add_argument(
        "--distinct",
        action="store_true",
        help="no query twice per server in the whole run (the cache cannot help)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)
    if args.before is not None and args.cache_off_too:
        ap.error("--before or --cache-off-too, not both")

    queries = draw_queries(args.queries)
    roots = {"after": ROOT} if args.before is None else {"before": args.before, "after": ROOT}
    envs: dict[str, dict[str, str]] = dict.fromkeys(roots, {})
    if args.cache_off_too:
        roots = {"before": ROOT, "after": ROOT}
        envs = {"before": {"DUIZHAO_RESULT_CACHE_ENTRIES": "0"}, "after": {}}
    picks: dict[str, DistinctQueries | None] = dict.fromkeys(roots)
    if args.distinct:
        # The compared queries are asked before the load: they would come back.
        asked = set(same_queries(queries, args.same)) if args.same and len(roots) > 1 else set()
        fresh = [q for q in queries if q not in asked]
        picks = {name: DistinctQueries(fresh) for name in roots}
    procs: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    cpu = {name: {"total": 0.0, "front": 0.0} for name in roots}
    outs: dict[str, list[dict]] = {name: [] for name in roots}
    elapsed = dict.fromkeys(roots, 0.0)
    load = [os.getloadavg()[0]]
    same = None
    try:
        for name, root in roots.items():
            ports[name] = args.port if args.port and len(roots) == 1 else free_port()
            procs[name] = start_server(
                args.index, ports[name], args.threads, env=envs[name], root=root
            )
        if args.same and len(roots) > 1:
            same = compare_answers(ports, queries, args.same)
        for name in roots:
            if args.warmup > 0:
                run_load(
                    ports[name],
                    queries,
                    args.clients,
                    args.warmup,
                    args.facets_every,
                    WARMUP_SEED,
                    picks[name],
                )
        for r in range(args.rounds):
            order = list(roots) if r % 2 == 0 else list(reversed(roots))
            for name in order:
                c0 = tree_cpu(procs[name].pid)
                o, secs = run_load(
                    ports[name],
                    queries,
                    args.clients,
                    args.seconds,
                    args.facets_every,
                    r * 100,
                    picks[name],
                )
                c1 = tree_cpu(procs[name].pid)
                for k in ("total", "front"):
                    cpu[name][k] += c1[k] - c0[k]
                outs[name] += o
                elapsed[name] += secs
                load.append(os.getloadavg()[0])
                if len(roots) > 1 and not args.json:
                    c = {k: c1[k] - c0[k] for k in c1}
                    s = summary(o, secs, c)
                    print(
                        f"  round {r + 1} {name:6} {s['req_per_s']:6} req/s, p50 "
                        f"{s['p50_ms']} ms, p95 {s['p95_ms']} ms, server CPU "
                        f"{s['server_cpu_ms_per_request']} ms/request (front "
                        f"{s['front_cpu_ms_per_request']}); cache hits "
                        f"{s['cache_hit_rate']}; load {load[-1]:.1f}",
                        flush=True,
                    )
        memory = {name: tree_memory(procs[name].pid) for name in roots}
    finally:
        for proc in procs.values():
            stop_server(proc)
    results = {name: summary(outs[name], elapsed[name], cpu[name]) for name in roots}
    for name in roots:
        results[name]["memory"] = memory[name]
        pick = picks[name]
        if pick is not None:
            results[name]["distinct_queries"] = len(pick.queries)
            results[name]["repeated_queries"] = pick.repeats
    result = {
        "index": args.index,
        "clients": args.clients,
        "facets_every": args.facets_every,
        "rounds": args.rounds,
        "distinct": args.distinct,
        "cache_off_too": args.cache_off_too,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 1) for x in (min(load), max(load))],
        **({"same": same} if same is not None else {}),
        **results,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for name, s in results.items():
            mem = ", ".join(f"{m['role']} {m['rss_mb']}/{m['pss_mb']}" for m in s["memory"])
            print(
                f"{name}: {s['requests']} requests in {s['seconds']} s with {args.clients} "
                f"clients: {s['req_per_s']} req/s; p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
                f"p99 {s['p99_ms']} ms; errors {s['errors']}; statuses {s['statuses']}; server "
                f"CPU {s.get('server_cpu_ms_per_request')} ms/request (app "
                f"{s.get('app_cpu_ms_per_request')}, front {s.get('front_cpu_ms_per_request')}); "
                f"cache hit rate {s['cache_hit_rate']}; memory RSS/PSS MB: {mem}"
            )
            if "distinct_queries" in s:
                print(
                    f"  distinct queries: {s['distinct_queries']}, asked again after they "
                    f"ran out: {s['repeated_queries']}"
                )
            for e in s["error_samples"]:
                print("  error:", e)
        print(f"load average {result['load_average'][0]}-{result['load_average'][1]}")
        if same is not None:
            print(
                f"same answers: {same['identical']} of {same['requests']} identical, "
                f"{same['different']} different, {same['cut_short']} cut short by the time limit, "
                f"{same['identical_when_asked_again']} identical when asked again"
            )
            for path in same["different_paths"]:
                print("  different:", path)
    s = results["after"]
    ok = s["req_per_s"] >= 100 and s["p95_ms"] < 150 and not s["errors"]
    return 0 if ok and not (same and same["different"]) else 1


if __name__ == "__main__":
    sys.exit(main())
