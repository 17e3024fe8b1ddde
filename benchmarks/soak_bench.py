"""Soak benchmark: minutes of steady load, 0 errors, and memory that stays flat.

Place in the flow: starts ``duizhao serve`` (waitress) on 127.0.0.1 over an
existing index, then drives ``/api/v1/search`` with the real query mix of
benchmarks/load_bench.py, one stage per client count (default: 5 minutes at 8
clients, then 5 minutes at 32), each client from its own loopback address.
The server's resident memory is sampled every few seconds from /proc; for
each stage it prints requests/s, latency percentiles, errors and RSS at
start, end and maximum, plus the growth over the stage's second half (a leak
shows as steady growth there; caches fill in the first half).

    python benchmarks/soak_bench.py [--index DIR] [--minutes 5] [--clients 8 32]

Targets (issue 6): 0 errors (5xx or broken connections) and flat memory
(second-half growth under 20 MB per stage).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_bench
from bench_index import add_index_option, checked_index

MAX_HALF_GROWTH_MB = 20.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stage(
    port: int, pid: int, queries: list[str], clients: int, seconds: float, every: float
) -> dict:
    outs = [{} for _ in range(clients)]
    stop = time.monotonic() + seconds
    ts = [
        threading.Thread(
            target=load_bench.client,
            args=(port, queries, stop, 4, outs[i], 1000 * clients + i),
            kwargs={"source": f"127.0.{2 + i // 250}.{1 + i % 250}"},
        )
        for i in range(clients)
    ]
    samples: list[tuple[float, float]] = []
    t0 = time.monotonic()
    for t in ts:
        t.start()
    while time.monotonic() < stop:
        samples.append((time.monotonic() - t0, rss_mb(pid)))
        time.sleep(min(every, max(0.0, stop - time.monotonic())))
    for t in ts:
        t.join()
    samples.append((time.monotonic() - t0, rss_mb(pid)))
    elapsed = time.monotonic() - t0
    lat, errors, statuses = load_bench.merge_outs(outs)
    mem = [m for _, m in samples]
    half = [m for t, m in samples if t >= elapsed / 2]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "req_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(load_bench.pct(lat, 50) * 1000, 1),
        "p95_ms": round(load_bench.pct(lat, 95) * 1000, 1),
        "p99_ms": round(load_bench.pct(lat, 99) * 1000, 1),
        "errors": len(errors),
        "error_examples": errors[:5],
        "statuses": statuses,
        "rss_start_mb": round(mem[0], 1),
        "rss_end_mb": round(mem[-1], 1),
        "rss_max_mb": round(max(mem), 1),
        "rss_second_half_growth_mb": round(half[-1] - half[0], 1) if half else 0.0,
        "rss_samples": len(samples),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--minutes", type=float, default=5.0, help="per stage")
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--sample-every", type=float, default=3.0, help="seconds between RSS samples")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)

    queries = load_bench.draw_queries(5000)
    port = load_bench.free_port()
    # The rate limiter with its defaults: each client has its own address.
    proc = load_bench.start_server(args.index, port, args.threads, env={"DUIZHAO_RATE_LIMIT": ""})
    stages = []
    try:
        print(f"server pid {proc.pid}, RSS after warm-up {rss_mb(proc.pid):.1f} MB", flush=True)
        for n in args.clients:
            res = stage(port, proc.pid, queries, n, args.minutes * 60, args.sample_every)
            stages.append(res)
            if not args.json:
                print(
                    f"{n} clients, {res['seconds']} s: {res['requests']} requests, "
                    f"{res['req_per_s']} req/s; p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, "
                    f"p99 {res['p99_ms']} ms; errors {res['errors']}; statuses {res['statuses']}; "
                    f"RSS start {res['rss_start_mb']} / end {res['rss_end_mb']} / max "
                    f"{res['rss_max_mb']} MB, second-half growth "
                    f"{res['rss_second_half_growth_mb']} MB",
                    flush=True,
                )
                for e in res["error_examples"]:
                    print("  error:", e)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
    if args.json:
        print(json.dumps({"index": args.index, "stages": stages}, ensure_ascii=False))
    ok = all(
        s["errors"] == 0 and s["rss_second_half_growth_mb"] < MAX_HALF_GROWTH_MB for s in stages
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
