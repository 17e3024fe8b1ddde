"""`duizhao serve` as a user starts it: real server processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from procs import owned_process

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_searches(tmp_path: Path, workers: int) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DUIZHAO_INDEX", None)
    fixture_index = tmp_path / "ix"
    docs = ROOT / "tests" / "fixtures" / "docs.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "web.cli",
            "--index",
            str(fixture_index),
            "index",
            str(docs),
            "--procs",
            "1",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    args = [
        sys.executable,
        "-m",
        "web.cli",
        "--index",
        str(fixture_index),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log = tmp_path / "serve.log"
    # owned_process stops the server's whole process group (gunicorn's workers too) and
    # reaps it on every path. The server's output goes to a file: a pipe nobody reads
    # could fill up and stall it.
    with (
        log.open("wb") as out,
        owned_process(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT) as proc,
    ):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # an upper bound for the start-up, not a measurement
        while True:
            try:
                status, body = get(base + "/api/v1/health")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(log.read_text(errors="replace")) from None
                time.sleep(0.3)
        assert status == 200
        for _ in range(6):  # spread over the worker processes
            status, body = get(base + "/api/v1/search?q=%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF")
            assert status == 200 and body["hits"], body
        status, body = get(base + "/api/v1/search?q=")
        assert status == 400 and body["error"]["code"] == "invalid_query"
