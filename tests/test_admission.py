"""Admission control (web/admission.py, search/cost.py): costly searches take a narrow
lane, each client a bounded share, refusals say 429/503 with Retry-After and the JSON
error shape, and slots come back when requests finish.

The lane logic is driven directly (an event loop, no clocks), then through a real
``duizhao serve`` on 127.0.0.1 whose app server is paused (SIGSTOP) so that an admitted
request holds its slot for as long as the test needs -- no test depends on how fast
anything runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from search.cost import COSTLY, estimate
from web.admission import Admission, Limits, Refused, request_cost
from web.front import COSTLY_SLOTS, PER_CLIENT_COSTLY

PHRASES8 = " ".join(
    f'"{p}"' for p in ["国家 发展", "人民 政府", "经济 社会", "管理 办法", "有关 部门",
                       "应当 依法", "社会 保险", "公共 服务"]
)  # fmt: skip
COSTLY_SEARCH = "/api/v1/search?" + urlencode({"q": PHRASES8, "facets": "true"})
PLAIN_SEARCH = "/api/v1/search?" + urlencode({"q": "个人信息"})


# --- the estimate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "options"),
    [
        (PHRASES8, {}),
        ('"' + " ".join(["的"] * 32) + '" "' + " ".join(["的"] * 32) + '"', {}),
        ("人民 " + " ".join(f"-词{i}" for i in range(8)), {}),
        (" OR ".join(["发展", "管理", "工作", "国家", "规定", "社会", "部门", "建设"]), {}),
        ("发展", {"page": 10, "per_page": 100, "sort": "date", "facets": True}),
        ("数据安全", {"endpoint": "export"}),
    ],
)
def test_the_costliest_allowed_requests_are_estimated_costly(q: str, options: dict) -> None:
    cost = estimate(q, **options)
    assert cost.costly and cost.points >= COSTLY and cost.reasons


@pytest.mark.parametrize(
    "q", ["数据安全", "个人信息 保护", "platform economy", "data security law", '"数据安全"']
)
def test_ordinary_searches_are_not_costly(q: str) -> None:
    assert not estimate(q, facets=True).costly


def test_request_cost_reads_the_endpoint_and_its_options() -> None:
    assert request_cost(b"/static/app.css") is None
    assert request_cost(b"/api/v1/health") is None
    assert not request_cost(b"/doc/law-pipl").costly  # type: ignore[union-attr]
    assert request_cost(COSTLY_SEARCH.encode()).costly  # type: ignore[union-attr]
    assert not request_cost(PLAIN_SEARCH.encode()).costly  # type: ignore[union-attr]
    # The same plain query as an export finds every match: costly.
    export = "/api/v1/export?" + urlencode({"q": "个人信息", "format": "csv"})
    assert request_cost(export.encode()).costly  # type: ignore[union-attr]
    # Raw UTF-8 and junk in the target never raise: the app answers those itself.
    assert request_cost("/search?q=数据&page=x&per_page=99999999".encode()) is not None
    assert request_cost(b"/search?q=%ff%fe&sort=") is not None


# --- the lanes, driven directly -------------------------------------------------------------


def test_lanes_refuse_when_full_and_recover_when_requests_finish() -> None:
    async def scenario() -> list[object]:
        adm = Admission(
            Limits(slots=1, costly_slots=1, per_client=2, per_client_costly=1, queue_wait=0)
        )
        costly, cheap = estimate(PHRASES8), estimate("数据")
        seen: list[object] = []

        async def attempt(addr: str, cost: object) -> None:
            try:
                async with adm.slot(addr, cost):  # type: ignore[arg-type]
                    seen.append("ok")
            except Refused as e:
                seen.append(e.status)

        hold = asyncio.Event()
        inside = asyncio.Event()

        async def holder(addr: str, cost: object) -> None:
            async with adm.slot(addr, cost):  # type: ignore[arg-type]
                inside.set()
                await hold.wait()

        t = asyncio.create_task(holder("a", costly))
        await inside.wait()
        await attempt("a", costly)  # the same client's second costly search: 429
        await attempt("b", costly)  # another client, but the costly lane is full: 503
        await attempt("b", cheap)  # ordinary requests still flow
        await attempt("a", cheap)  # so do the costly client's own ordinary ones
        hold.set()
        await t
        await attempt("b", costly)  # the slot is back
        await attempt("a", costly)
        assert adm.costly_busy == 0 and not adm.per_client and not adm.per_client_costly
        # The ordinary lane: one slot, held; the next request may not wait (queue_wait 0).
        hold.clear()
        inside.clear()
        t = asyncio.create_task(holder("c", cheap))
        await inside.wait()
        await attempt("d", cheap)
        # Per client: "c" holds one; a second is admitted as far as the per-client count
        # goes (2), so it is the full lane that refuses it, not the client's bound.
        await attempt("c", cheap)
        hold.set()
        await t
        await attempt("d", cheap)
        assert not adm.per_client
        return seen

    assert asyncio.run(scenario()) == [429, 503, "ok", "ok", "ok", "ok", 503, 503, "ok"]


def test_a_client_over_its_share_gets_429() -> None:
    async def scenario() -> list[int]:
        adm = Admission(
            Limits(slots=4, costly_slots=1, per_client=2, per_client_costly=1, queue_wait=0)
        )
        cheap = estimate("数据")
        hold, entered = asyncio.Event(), []

        async def holder() -> None:
            async with adm.slot("a", cheap):
                entered.append(1)
                await hold.wait()

        tasks = [asyncio.create_task(holder()) for _ in range(2)]
        while len(entered) < 2:
            await asyncio.sleep(0)
        refused = []
        try:
            async with adm.slot("a", cheap):
                pass
        except Refused as e:
            refused.append(e.status)
        async with adm.slot("b", cheap):  # others are not affected
            refused.append(0)
        hold.set()
        await asyncio.gather(*tasks)
        async with adm.slot("a", cheap):  # recovered
            refused.append(0)
        return refused

    assert asyncio.run(scenario()) == [429, 0, 0]


# --- a real server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paused_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """A running ``duizhao serve`` with one waitress process (the app server runs in the
    process the test starts; the front server is its child): (port, app server pid)."""
    from tests.test_front import _free_port, running_server

    port = _free_port()
    with running_server(
        tmp_path_factory.mktemp("admission"), "--port", str(port), "--workers", "1"
    ) as proc:
        yield port, proc.pid


@contextlib.contextmanager
def paused(pid: int) -> Iterator[None]:
    """The app server stopped: a request the front passes on stays in flight (holding
    its slot) until the app server continues, on every path."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def send(port: int, path: str, source: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=60, source_address=(source, 0))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    return s


def answer(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    from tests.test_front import read_answer

    with s:
        return read_answer(s)


def first_to_answer(socks: list[socket.socket]) -> socket.socket:
    ready, _, _ = select.select(socks, [], [], 60)  # a generous upper bound
    assert ready, "no answer"
    return ready[0]


def assert_refusal(status: int, headers: dict[str, str], body: bytes, expected: int) -> str:
    assert status == expected, body[:300]
    assert headers["retry-after"].isdigit() and int(headers["retry-after"]) >= 1
    assert headers["content-type"].startswith("application/json")
    assert headers["x-content-type-options"] == "nosniff"
    err = json.loads(body)["error"]
    assert err["status"] == expected and err["message"] and err["hint"]
    return err["message"]


@pytest.mark.slow
def test_costly_lane_refuses_then_recovers_over_http(paused_server: tuple[int, int]) -> None:
    assert COSTLY_SLOTS == 1 and PER_CLIENT_COSTLY == 1  # what the counts below assume
    port, pid = paused_server
    held: list[socket.socket] = []
    try:
        with paused(pid):
            # Two costly searches from one address: one is admitted (and waits on the
            # paused app server); the other is refused at once, whichever came second.
            held = [send(port, COSTLY_SEARCH, "127.0.4.1") for _ in range(2)]
            first = first_to_answer(held)
            held.remove(first)
            message = assert_refusal(*answer(first), 429)
            assert "costly" in message
            # Another address: the costly lane is full, so 503, also at once.
            message = assert_refusal(*answer(send(port, COSTLY_SEARCH, "127.0.4.2")), 503)
            assert "busy" in message and "phrases" in message
        # The app server continues: the admitted search is answered in full...
        status, _h, body = answer(held.pop())
        assert status == 200 and "hits" in json.loads(body)
        # ...and its slot is back, for both addresses -- after the pause the lane takes
        # when costly searches were refused meanwhile (a flood), for as long as that search
        # took: a 503 that says so until then. (60 s: a generous upper bound.)
        for source in ("127.0.4.2", "127.0.4.1"):
            for _ in range(60):
                status, headers, body = answer(send(port, COSTLY_SEARCH, source))
                if status != 503:
                    break
                assert "busy" in assert_refusal(status, headers, body, 503)
                time.sleep(int(headers["retry-after"]))
            assert status == 200, body[:300]
    finally:
        for s in held:
            s.close()


@pytest.mark.slow
def test_ordinary_searches_flow_while_the_costly_lane_is_full(
    paused_server: tuple[int, int],
) -> None:
    port, pid = paused_server
    held: list[socket.socket] = []
    try:
        with paused(pid):
            # Two costly searches from two addresses: one holds the costly slot (waiting
            # on the paused app server), the other is refused at once. (The lane is open:
            # the searches that ended the test before had no one refused meanwhile.)
            held = [send(port, COSTLY_SEARCH, f"127.0.5.{i}") for i in (1, 2)]
            first = first_to_answer(held)
            held.remove(first)
            assert_refusal(*answer(first), 503)
            # An ordinary search is passed on (it waits for the paused app server, not
            # for the costly lane).
            held.append(send(port, PLAIN_SEARCH, "127.0.5.3"))
        statuses = [answer(s)[0] for s in held]
        held.clear()
        assert statuses == [200, 200]
    finally:
        for s in held:
            s.close()


def test_exports_have_their_own_lane() -> None:
    async def scenario() -> list[object]:
        adm = Admission(Limits(slots=1, costly_slots=1, bulk_slots=1, per_client=4, queue_wait=0))
        export, costly = estimate("数据", endpoint="export"), estimate(PHRASES8)
        assert export.bulk and not costly.bulk
        hold, inside, seen = asyncio.Event(), asyncio.Event(), []

        async def holder() -> None:
            async with adm.slot("a", export):
                inside.set()
                await hold.wait()

        t = asyncio.create_task(holder())
        await inside.wait()
        for addr, cost in (("b", export), ("a", costly), ("b", costly)):
            try:
                async with adm.slot(addr, cost):
                    seen.append("ok")
            except Refused as e:
                seen.append(e.status)
        hold.set()
        await t
        async with adm.slot("b", export):  # the export slot is back
            seen.append("ok")
        assert adm.bulk_busy == 0 and adm.costly_busy == 0
        return seen

    # Another export: 503; the exporting client's own costly search: 429 (one at a
    # time); a costly search from elsewhere still runs.
    assert asyncio.run(scenario()) == [503, 429, "ok", "ok"]


def test_by_default_an_export_takes_the_costly_lane() -> None:
    async def scenario() -> list[object]:
        adm = Admission(Limits(slots=1, costly_slots=1, per_client=4, queue_wait=0))
        hold, inside, seen = asyncio.Event(), asyncio.Event(), []

        async def holder() -> None:
            async with adm.slot("a", estimate("数据", endpoint="export")):
                inside.set()
                await hold.wait()

        t = asyncio.create_task(holder())
        await inside.wait()
        for cost in (estimate(PHRASES8), estimate("数据")):
            try:
                async with adm.slot("b", cost):
                    seen.append("ok")
            except Refused as e:
                seen.append(e.status)
        hold.set()
        await t
        async with adm.slot("b", estimate(PHRASES8)):
            seen.append("ok")
        return seen

    assert asyncio.run(scenario()) == [503, "ok", "ok"]


def test_in_a_flood_the_costly_lane_pauses_after_each_search() -> None:
    now = [0.0]

    async def scenario() -> list[object]:
        adm = Admission(
            Limits(slots=2, costly_slots=1, per_client=4, queue_wait=0, costly_share=0.5),
            clock=lambda: now[0],
        )
        costly, cheap = estimate(PHRASES8), estimate("数据")
        seen: list[object] = []

        async def attempt(addr: str, cost: object) -> None:
            try:
                async with adm.slot(addr, cost):  # type: ignore[arg-type]
                    now[0] += 1.0  # each admitted request "takes" 1 s
                    seen.append("ok")
            except Refused as e:
                seen.append(e.status)

        hold, inside = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with adm.slot("a", costly):
                inside.set()
                await hold.wait()

        t = asyncio.create_task(holder())
        await inside.wait()
        await attempt("b", costly)  # refused: the lane is busy -- a flood
        now[0] = 2.0
        hold.set()
        await t  # took 2 s with share 0.5: the lane is shut until t = 4
        now[0] = 3.0
        await attempt("b", costly)  # 503: pausing
        await attempt("b", cheap)  # ordinary requests are not paused (now t = 4)
        await attempt("b", costly)  # open again; no one refused meanwhile: no pause
        await attempt("c", costly)  # so a lone client's searches run back to back
        await attempt("c", costly)
        return seen

    assert asyncio.run(scenario()) == [503, 503, "ok", "ok", "ok", "ok"]


def test_a_remembered_cost_is_the_estimate_and_long_targets_are_not_kept() -> None:
    from urllib.parse import quote

    from web.admission import request_cost
    from web.front import MEMO_TARGET, _memo_cost, cost_of

    _memo_cost.cache_clear()
    targets = [
        b"/api/v1/search?q=" + quote("数据安全").encode(),
        b"/search?q=" + quote('"个人信息" "数据"').encode() + b"&sort=date&per_page=100",
        b"/api/v1/export?q=x&format=csv",
        b"/static/app.css",
        b"/api/v1/search?q=" + b"a+" * MEMO_TARGET,
    ]
    for t in targets * 2:
        assert cost_of(t) == request_cost(t)
    assert _memo_cost.cache_info().hits == len(targets) - 1  # the long one is not kept
    assert _memo_cost.cache_info().currsize == len(targets) - 1
