"""Attack benchmark: do normal users keep their latency while one client loops the
worst query the service allows?

Place in the flow: starts ``duizhao serve`` (waitress) on 127.0.0.1 over an
existing index (as benchmarks/load_bench.py does, whose clients and query mix
it reuses), then, against the same server:

1. picks the costliest allowed request from a list of candidates (the
   pathological queries of tests/test_hostile.py that the parser accepts,
   with facets, 100 per page, deep pages), by timing each a few times;
2. runs rounds alternating "8 normal clients" and "8 normal clients + 1
   attacker looping that request" (A B B A ..., so drift in machine load hits
   both alike), each client from its own loopback address, as real users
   would be;
3. compares the normal clients' p95 latency with and without the attacker.

    python benchmarks/attack_bench.py [--index DIR] [--seconds 20] [--rounds 2]

Target (issue 6): p95 with the attacker <= 1.2 x p95 without; 0 errors.
The rate limiter runs with its defaults (per client address) unless
``--no-limit``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deadline_bench
import load_bench
from bench_index import add_index_option, checked_index

# Accepted by the parser (within its limits) but costly: very common words, many
# terms, ORs, negations, phrases, odd characters, with facets, 100 per page or a deep page.
CANDIDATES: list[dict[str, str | int]] = [
    {"q": "的 了 和 是 在"},
    {"q": "的 了 和 是 在", "facets": "true", "per_page": 100},
    {"q": "的 了 和 是 在", "sort": "date", "facets": "true"},
    {"q": " ".join(f"词{i}" for i in range(64)), "facets": "true"},
    {"q": " OR ".join(["数据", "安全", "发展", "管理", "工作", "国家", "规定", "通知"] * 2)},
    {"q": "数据 " + " ".join(f"-w{i}" for i in range(8)), "facets": "true", "per_page": 100},
    {"q": " ".join(f'"数据 安全{i}"' for i in range(8))},
    {"q": "数据\x01\x02\x1b[31m安全\x7f", "facets": "true"},
    {"q": "请问如果公司不给员工缴纳社会保险并且拖欠工资的话员工可以怎么办需要什么材料", "per_page": 100},
    {"q": "发展", "page": 10, "per_page": 100},
    {"q": "国家 发展 管理 规定", "sort": "date_asc", "facets": "true", "per_page": 100},
    # The costliest of issue 9 (benchmarks/deadline_bench.py times them in process).
    {"q": " ".join(['"' + " ".join(["的"] * 32) + '"'] * 4), "facets": "true"},
    {"q": " ".join(f'"{p}"' for p in deadline_bench.PAIRS), "facets": "true"},
    {"q": "人民 " + " ".join(f'-"{p}"' for p in deadline_bench.PAIRS), "facets": "true"},
]  # fmt: skip


def timed_get(port: int, params: dict, source: str = "127.0.0.3") -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    t0 = time.perf_counter()
    conn.request("GET", "/api/v1/search?" + urlencode(params))
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status, time.perf_counter() - t0


def pick_worst(port: int, repeat: int = 3) -> tuple[dict, float]:
    worst: tuple[dict, float] = ({}, -1.0)
    for params in CANDIDATES:
        times = []
        for _ in range(repeat):
            status, dt = timed_get(port, params)
            if status != 200:
                break
            times.append(dt)
        if len(times) == repeat:
            t = sorted(times)[repeat // 2]
            print(f"  candidate {t * 1000:7.1f} ms  {json.dumps(params, ensure_ascii=False)[:90]}")
            if t > worst[1]:
                worst = (params, t)
    return worst


def attacker(port: int, params: dict, stop: float, out: dict) -> None:
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=("127.0.0.2", 0)
    )
    lat: list[float] = []
    statuses: dict[int, int] = {}
    path = "/api/v1/search?" + urlencode(params)
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=60, source_address=("127.0.0.2", 0)
            )
            continue
        statuses[r.status] = statuses.get(r.status, 0) + 1
        lat.append(time.perf_counter() - t0)
        if r.status == 429:
            # A polite-enough attacker: waits as told, then keeps going.
            time.sleep(float(r.getheader("Retry-After") or 1))
    out["lat"], out["statuses"] = lat, statuses


def run_phase(
    port: int, queries: list[str], clients: int, seconds: float, attack: dict | None, seed: int
) -> dict:
    stop = time.monotonic() + seconds
    ts, outs = load_bench.client_threads(port, queries, stop, clients, seed)
    att_out: dict = {}
    if attack is not None:
        ts.append(threading.Thread(target=attacker, args=(port, attack, stop, att_out)))
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lat, errors, statuses = load_bench.merge_outs(outs)
    return {"lat": lat, "errors": errors, "statuses": statuses, "attacker": att_out}


def summarize(lat: list[float]) -> dict:
    s = sorted(lat)
    return {
        "requests": len(s),
        "p50_ms": round(load_bench.pct(s, 50) * 1000, 1),
        "p95_ms": round(load_bench.pct(s, 95) * 1000, 1),
        "p99_ms": round(load_bench.pct(s, 99) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0, help="per phase")
    ap.add_argument("--rounds", type=int, default=2, help="A B B A blocks")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--no-limit", action="store_true", help="turn the rate limiter off")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)

    queries = load_bench.draw_queries(2000)
    port = load_bench.free_port()
    env = {"DUIZHAO_RATE_LIMIT": "0"} if args.no_limit else {"DUIZHAO_RATE_LIMIT": ""}
    proc = load_bench.start_server(args.index, port, args.threads, env=env)
    base: list[float] = []
    attacked: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    att_stats: dict[int, int] = {}
    att_lat: list[float] = []
    try:
        print("warming up and choosing the worst allowed request ...")
        run_phase(port, queries, args.clients, 3.0, None, 500)
        worst, worst_t = pick_worst(port)
        print(f"worst: {worst_t * 1000:.0f} ms  {json.dumps(worst, ensure_ascii=False)[:100]}")
        order = []
        for r in range(args.rounds):
            order += [False, True] if r % 2 == 0 else [True, False]
        for i, with_attack in enumerate(order):
            res = run_phase(
                port, queries, args.clients, args.seconds, worst if with_attack else None, i * 100
            )
            (attacked if with_attack else base).extend(res["lat"])
            errors += res["errors"]
            for k, v in res["statuses"].items():
                statuses[k] = statuses.get(k, 0) + v
            for k, v in res["attacker"].get("statuses", {}).items():
                att_stats[k] = att_stats.get(k, 0) + v
            att_lat += res["attacker"].get("lat", [])
            p95 = summarize(res["lat"])["p95_ms"]
            print(f"  phase {i + 1}: {'attacker' if with_attack else 'baseline'} p95 {p95} ms")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
    b, a = summarize(base), summarize(attacked)
    ratio = a["p95_ms"] / b["p95_ms"] if b["p95_ms"] else float("inf")
    result = {
        "index": args.index,
        "clients": args.clients,
        "seconds_per_phase": args.seconds,
        "phases": len(order),
        "rate_limit": not args.no_limit,
        "worst_request": worst,
        "worst_request_ms": round(worst_t * 1000, 1),
        "baseline": b,
        "with_attacker": a,
        "p95_ratio": round(ratio, 3),
        "attacker_requests": sum(att_stats.values()),
        "attacker_statuses": att_stats,
        "attacker_p50_ms": round(load_bench.pct(sorted(att_lat), 50) * 1000, 1),
        "normal_statuses": statuses,
        "errors": len(errors),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"baseline p95 {b['p95_ms']} ms ({b['requests']} req); with attacker p95 "
            f"{a['p95_ms']} ms ({a['requests']} req); ratio {ratio:.2f}; attacker made "
            f"{result['attacker_requests']} requests {att_stats}; errors {len(errors)}"
        )
        for e in errors[:10]:
            print("  error:", e)
    return 0 if ratio <= 1.2 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
