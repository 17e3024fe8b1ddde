"""A server's first English titles after its warm-up: ``python benchmarks/warm_bench.py
[--index DIR] [--before CHECKOUT] [--rounds N]``.

Place in the flow: a benchmark over ``web/serve.py``'s warm-up (``warm`` and its
``WARM_QUERIES``), not part of the engine. Each run is a new Python process that
opens the index as ``duizhao serve`` does, warms it with the checkout's own
``warm``, then asks ``/api/v1/search`` (Flask's test client: the whole answer, facets and
snippets included) for English policy titles made of common words (written by
hand; typical official renderings) once each, in the server's time limit
(``SEARCH_TIME_LIMIT``). Prints, per checkout, the warm-up's seconds, the median and
the worst wall milliseconds of the titles, and how many were cut short (the answer
then carries a "cut short" notice). With ``--before`` the other checkout runs first,
alternating each round, so both share the machine's load. Nothing is asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench_index import parse_comparison

TITLES = (
    "Interim Measures for the Management of Generative Artificial Intelligence Services",
    "Notice on Further Strengthening the Supervision and Administration of Public Services",
    "Opinions on Strengthening the Construction of a Digital Government",
    "Several Measures to Support the Development of Small and Medium-sized Enterprises",
    "Measures for the Administration of Online Transactions",
    "Opinions of the State Council on Deepening the Reform of the Medical and Health System",
    "Implementation Opinions on Promoting the High-Quality Development of Manufacturing",
    "Notice on Issuing the Work Plan for Improving the Quality of Public Services",
)

_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from web.app import create_app
from web.serve import warm
app = create_app({"INDEX_DIR": sys.argv[2]})
warm_s = warm(app)
client = app.test_client()
out = []
for q in json.loads(sys.argv[3]):
    t = time.perf_counter()
    r = client.get("/api/v1/search", query_string={"q": q}).get_json()
    out.append([(time.perf_counter() - t) * 1000, any("cut short" in n for n in r["notices"])])
print(json.dumps({"warm": warm_s, "titles": out}))
"""


def one_run(checkout: Path, index: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, str(checkout), index, json.dumps(TITLES)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"error: the run failed in {checkout}: {done.stderr.decode()[-400:]}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def main() -> int:
    args, index, checkouts = parse_comparison(
        __doc__,
        "web/serve.py",
        lambda ap: ap.add_argument("--rounds", type=int, default=2, help="processes per checkout"),
    )
    runs: dict[str, list[dict]] = {name: [] for name, _ in checkouts}
    for r in range(args.rounds):
        for name, co in checkouts if r % 2 == 0 else reversed(checkouts):
            runs[name].append(one_run(co, str(index)))
    print(
        f"index {index}; {len(TITLES)} English titles of common words after warm-up, "
        f"{args.rounds} processes each"
    )
    for name, got in runs.items():
        ms = [t[0] for g in got for t in g["titles"]]
        cut = sum(t[1] for g in got for t in g["titles"])
        warm_s = statistics.median(g["warm"] for g in got)
        print(
            f"{name:>6}: warm-up {warm_s:.1f} s; titles median {statistics.median(ms):.0f} ms, "
            f"worst {max(ms):.0f} ms; cut short {cut} of {len(ms)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
