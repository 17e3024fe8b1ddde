"""Slow-client benchmark: do normal users keep their latency while slowloris sockets
trickle request heads, and what does the front server cost under normal load?

Place in the flow: extends benchmarks/load_bench.py (its query mix, clients and
server start-up) with a slowloris attacker, and runs two servers over the same
index on 127.0.0.1 in one run:

* **before**: the app served as ``duizhao serve`` did until the front server came
  in -- gunicorn's threaded workers (2 processes x 4 threads) on the public port;
* **after**: ``duizhao serve`` as it is now (front server -> gunicorn on a private
  Unix socket).

Phases alternate between the servers (before, after, after, before, ... so drift in
machine load hits both alike):

1. normal load: ``--clients`` keep-alive clients for ``--seconds``; besides latency, the
   CPU time the server's processes (and the front's among them) spent per request,
   which other jobs on a shared machine distort less than latency;
2. slowloris: ``--sockets`` sockets, each from its own loopback address, each sending
   one header byte every 4 s (reconnecting when the server closes it), while the same
   normal clients run; a normal request not answered within load_bench's 30 s client
   timeout counts as an error.

    python benchmarks/slowloris_bench.py [--index DIR] [--sockets 64] [--seconds 20]

Targets (issue 9): with 64 slowloris sockets, normal p95 <= 250 ms and 0 errors (after);
normal load at least as fast as before. Bounded: every phase stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_bench
from bench_index import add_index_option, checked_index

ROOT = load_bench.ROOT

# The server before the front server: the same app and gunicorn settings that
# web/serve.py used, bound straight to the public port.
BEFORE = textwrap.dedent(
    """
    import sys
    from gunicorn.app.base import BaseApplication
    from index import integrity
    from web.app import create_app
    from web.serve import warm

    index, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    integrity.restrict_to(index)
    app = create_app({"INDEX_DIR": index})
    warm(app)

    class App(BaseApplication):
        def load_config(self):
            for k, v in {"bind": f"127.0.0.1:{port}", "workers": 2, "worker_class": "gthread",
                         "threads": max(1, threads // 2), "timeout": 60, "graceful_timeout": 10,
                         "limit_request_line": 8190, "limit_request_field_size": 16384,
                         "preload_app": True, "accesslog": None, "errorlog": "-",
                         "loglevel": "warning"}.items():
                self.cfg.set(k, v)

        def load(self):
            return app

    App().run()
    """
)


def start_before(index: str, port: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DUIZHAO_RATE_LIMIT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-c", BEFORE, index, str(port), str(threads)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_healthy(proc, port)
    return proc


def wait_healthy(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the 'before' server exited")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            status = c.getresponse().status
            c.close()
            if status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the 'before' server did not start within 180 s")


def slowloris(port: int, n: int, stop: float, out: dict) -> None:
    """``n`` sockets (127.0.4.1 ...) trickling one header byte each every 4 s."""
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    socks: list[socket.socket | None] = [None] * n
    sent = [0] * n
    opened = 0
    while time.monotonic() < stop:
        for i in range(n):
            s = socks[i]
            try:
                if s is None:
                    s = socket.create_connection(
                        ("127.0.0.1", port), timeout=2, source_address=(f"127.0.4.{i + 1}", 0)
                    )
                    s.setblocking(False)
                    s.sendall(head)
                    socks[i], sent[i] = s, 0
                    opened += 1
                else:
                    s.send(b"X-a: b\r\n"[sent[i] % 8 : sent[i] % 8 + 1])
                    sent[i] += 1
                    try:
                        if s.recv(4096) == b"":
                            raise ConnectionError  # closed by the server: come back
                    except BlockingIOError:
                        pass
            except OSError:
                if s is not None:
                    s.close()
                socks[i] = None
        end = min(stop, time.monotonic() + 4.0)
        while time.monotonic() < end:
            time.sleep(0.1)
    for s in socks:
        if s is not None:
            s.close()
    out["connections"] = opened


tree_cpu = load_bench.tree_cpu  # the server's CPU seconds, the front's apart


def run_phase(
    port: int, queries: list[str], clients: int, seconds: float, sockets: int, seed: int
) -> dict:
    stop = time.monotonic() + seconds
    ts, outs = load_bench.client_threads(port, queries, stop, clients, seed)
    att: dict = {}
    if sockets:
        ts.append(threading.Thread(target=slowloris, args=(port, sockets, stop, att)))
        ts[-1].start()
        time.sleep(1.0)  # every slow socket is in place before the clients start
    t0 = time.monotonic()
    for t in ts[: len(outs)]:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - t0
    lat, errors, statuses = load_bench.merge_outs(outs)
    return {"lat": lat, "errors": errors, "statuses": statuses, "seconds": elapsed, "att": att}


def summarize(lat: list[float], seconds: float, errors: list[str]) -> dict:
    return {
        "requests": len(lat),
        "req_per_s": round(len(lat) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(load_bench.pct(lat, 50) * 1000, 1),
        "p95_ms": round(load_bench.pct(lat, 95) * 1000, 1),
        "p99_ms": round(load_bench.pct(lat, 99) * 1000, 1),
        "errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--sockets", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=20.0, help="per phase")
    ap.add_argument("--rounds", type=int, default=2, help="before/after blocks per kind")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.index = checked_index(args.index)

    queries = load_bench.draw_queries(2000)
    ports = {"before": load_bench.free_port(), "after": load_bench.free_port()}
    procs: dict[str, subprocess.Popen] = {}
    results: dict[str, dict[str, dict]] = {}
    try:
        procs["before"] = start_before(args.index, ports["before"], args.threads)
        procs["after"] = load_bench.start_server(args.index, ports["after"], args.threads)
        for name in ports:  # warm both alike
            run_phase(ports[name], queries, args.clients, 3.0, 0, 900)
        for kind, sockets in (("normal", 0), ("slowloris", args.sockets)):
            acc = {
                n: {
                    "lat": [],
                    "errors": [],
                    "seconds": 0.0,
                    "conns": 0,
                    "cpu": 0.0,
                    "front_cpu": 0.0,
                }
                for n in ports
            }
            for r in range(args.rounds):
                order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
                for name in order:
                    cpu0 = tree_cpu(procs[name].pid)
                    res = run_phase(
                        ports[name], queries, args.clients, args.seconds, sockets, r * 100
                    )
                    cpu1 = tree_cpu(procs[name].pid)
                    a = acc[name]
                    a["cpu"] += cpu1["total"] - cpu0["total"]
                    a["front_cpu"] += cpu1["front"] - cpu0["front"]
                    a["lat"] += res["lat"]
                    a["errors"] += res["errors"]
                    a["seconds"] += res["seconds"]
                    a["conns"] += res["att"].get("connections", 0)
                    s = summarize(sorted(res["lat"]), res["seconds"], res["errors"])
                    print(
                        f"  {kind:9} {name:6} {s['req_per_s']:6} req/s  p95 {s['p95_ms']} ms  "
                        f"errors {s['errors']}",
                        flush=True,
                    )
            for name, a in acc.items():
                summary = summarize(sorted(a["lat"]), a["seconds"], a["errors"])
                n_req = max(1, len(a["lat"]))
                summary["server_cpu_ms_per_request"] = round(a["cpu"] * 1000 / n_req, 2)
                summary["front_cpu_ms_per_request"] = round(a["front_cpu"] * 1000 / n_req, 2)
                if sockets:
                    summary["slow_connections_opened"] = a["conns"]
                summary["error_samples"] = a["errors"][:3]
                results.setdefault(kind, {})[name] = summary
    finally:
        for proc in procs.values():
            load_bench.stop_server(proc)
    out = {
        "index": args.index,
        "clients": args.clients,
        "sockets": args.sockets,
        "seconds_per_phase": args.seconds,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        **results,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for kind in ("normal", "slowloris"):
            for name in ("before", "after"):
                s = results[kind][name]
                print(
                    f"{kind:9} {name:6}: {s['requests']} requests, {s['req_per_s']} req/s, "
                    f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms, "
                    f"errors {s['errors']}; server CPU {s['server_cpu_ms_per_request']} ms/request "
                    f"(front {s['front_cpu_ms_per_request']})"
                )
    after = results["slowloris"]["after"]
    return 0 if after["p95_ms"] <= 250 and not after["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
