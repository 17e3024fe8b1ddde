"""The front server's kept-alive connections to the app server (web/front.py,
``BackendPool``), against a small HTTP/1.1 app server on a Unix socket that this test
scripts: reuse, an app server closing kept connections (before and after a request
arrived), answer framing (Content-Length, chunked, close-delimited), a method that is
not safe to repeat, and the bound on idle connections. The real app behind the real
front, pooled and not, answers byte for byte alike (tests/test_front.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from web import front as front_module
from web.front import BackendPool, Front

GET = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


@dataclass
class FakeApp:
    """An app server: answers each request with ``answer(n, request)`` (n: the request's
    number on its connection, from 0); ``None`` closes the connection unanswered."""

    answer: Callable[[int, bytes], bytes | None] = lambda n, req: OK
    close_after: bool = False  # close each connection after its first answer
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            for n in range(1000):
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                out = self.answer(n, request)
                if out is None:
                    return
                writer.write(out)
                await writer.drain()
                if self.close_after:
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


POOLS: list[BackendPool] = []


def pool_for(path: str, size: int, idle: float = 2.0) -> BackendPool:
    """A pool that run() closes at the end."""
    POOLS.append(BackendPool(path, size=size, idle=idle))
    return POOLS[-1]


def run(app: FakeApp, tmp_path: Path, body: Callable[[str], object]) -> object:
    """``body(socket_path)`` (a coroutine function) with ``app`` serving that socket."""
    path = str(tmp_path / "app.sock")

    async def main() -> object:
        server = await asyncio.start_unix_server(app.handle, path=path)
        async with server:
            try:
                return await body(path)
            finally:
                while POOLS:
                    POOLS.pop().close()
                for w in app.writers:
                    w.close()

    return asyncio.run(main())


def test_a_kept_connection_is_reused(tmp_path: Path) -> None:
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        for _ in range(5):
            assert await pool.fetch(GET, b"GET") == OK
        assert pool.opened == 1 and pool.reused == 4

    run(app, tmp_path, body)
    assert app.connections == 1 and len(app.requests) == 5


def test_without_a_pool_every_request_has_its_own_connection(tmp_path: Path) -> None:
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 0)
        for _ in range(3):
            assert await pool.fetch(GET, b"GET") == OK
        assert pool.opened == 3 and not pool.idle

    run(app, tmp_path, body)
    assert app.connections == 3


def test_a_kept_connection_the_app_server_closed_is_replaced(tmp_path: Path) -> None:
    # The app server closes idle connections (gunicorn after its keep-alive): the next
    # request goes on a fresh one and is answered.
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        assert await pool.fetch(GET, b"GET") == OK
        for w in app.writers:
            w.close()
        await asyncio.sleep(0.05)
        assert await pool.fetch(GET, b"GET") == OK
        assert pool.opened == 2

    run(app, tmp_path, body)
    assert len(app.requests) == 2


def test_a_get_is_asked_again_when_a_kept_connection_closes_unanswered(tmp_path: Path) -> None:
    # The race the check before reuse cannot see: the app server closes the kept
    # connection just as the request arrives. A GET is safe to repeat.
    app = FakeApp(answer=lambda n, req: OK if n == 0 else None)

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        assert await pool.fetch(GET, b"GET") == OK
        assert await pool.fetch(GET, b"GET") == OK
        assert pool.opened == 2 and pool.reused == 1

    run(app, tmp_path, body)
    assert len(app.requests) == 3  # the second GET twice: once unanswered


def test_a_post_is_never_sent_on_a_kept_connection_nor_twice(tmp_path: Path) -> None:
    post = b"POST /api/v1/mentions HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    app = FakeApp(answer=lambda n, req: None if req.startswith(b"POST") else OK)

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        assert await pool.fetch(GET, b"GET") == OK  # leaves a kept connection
        with pytest.raises(OSError):
            await pool.fetch(post, b"POST")
        assert pool.opened == 2 and pool.reused == 0

    run(app, tmp_path, body)
    assert [r.split(b" ")[0] for r in app.requests] == [b"GET", b"POST"]


def test_idle_connections_are_bounded(tmp_path: Path) -> None:
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 3)
        answers = await asyncio.gather(*(pool.fetch(GET, b"GET") for _ in range(10)))
        assert answers == [OK] * 10
        assert pool.opened == 10 and len(pool.idle) == 3
        await asyncio.gather(*(pool.fetch(GET, b"GET") for _ in range(3)))
        assert pool.opened == 10 and len(pool.idle) == 3

    run(app, tmp_path, body)


def test_a_drained_pool_closes_its_idle_connections_and_keeps_none(tmp_path: Path) -> None:
    # The app server is stopping (web/serve.py signals the front): its workers would wait
    # on every kept connection before leaving.
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        await asyncio.gather(*(pool.fetch(GET, b"GET") for _ in range(3)))
        assert len(pool.idle) == 3
        pool.drain()
        assert not pool.idle
        assert await pool.fetch(GET, b"GET") == OK
        assert not pool.idle and pool.opened == 4

    run(app, tmp_path, body)


def test_an_idle_connection_is_kept_no_longer_than_its_time(tmp_path: Path) -> None:
    app = FakeApp()

    async def body(path: str) -> None:
        pool = pool_for(path, 3, idle=0.05)
        await pool.fetch(GET, b"GET")
        await asyncio.sleep(0.1)
        await pool.fetch(GET, b"GET")
        assert pool.opened == 2

    run(app, tmp_path, body)


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
)


@pytest.mark.parametrize(
    ("answer", "head", "body", "kept"),
    [
        (OK, OK.partition(b"\r\n\r\n")[0], b"hello", True),
        (CHUNKED, CHUNKED.partition(b"\r\n\r\n")[0], b"hello 0123456789", True),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
            b"HTTP/1.1 200 OK\r\nConnection: close",
            b"until the end",
            False,
        ),
        (
            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            b"HTTP/1.0 200 OK\r\nContent-Length: 2",
            b"hi",
            False,
        ),
        (
            b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nETag: x",
            b"",
            True,
        ),
    ],
)
def test_answers_are_framed_by_length_chunks_or_close(
    tmp_path: Path, answer: bytes, head: bytes, body: bytes, kept: bool
) -> None:
    # Each answer twice: on one connection where it is kept (its framing ended it where
    # it ends), else the app server closes after it and the second has a fresh one.
    app = FakeApp(answer=lambda n, req: answer, close_after=not kept)

    async def main(path: str) -> None:
        pool = pool_for(path, 4)
        for _ in range(2):
            assert await pool.fetch(GET, b"GET") == head + b"\r\n\r\n" + body
        assert pool.opened == (1 if kept else 2)

    run(app, tmp_path, main)


def test_a_head_answer_has_no_body_whatever_its_length_says(tmp_path: Path) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5"
    app = FakeApp(answer=lambda n, req: head + b"\r\n\r\n")

    async def body(path: str) -> None:
        pool = pool_for(path, 4)
        req = GET.replace(b"GET", b"HEAD", 1)
        for _ in range(2):
            assert await pool.fetch(req, b"HEAD") == head + b"\r\n\r\n"
        assert pool.opened == 1

    run(app, tmp_path, body)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # ends early
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"NONSENSE\r\n\r\n",
    ],
)
def test_a_malformed_answer_is_a_503_not_a_hang(tmp_path: Path, answer: bytes) -> None:
    app = FakeApp(answer=lambda n, req: answer, close_after=True)

    async def body(path: str) -> None:
        front = Front(path, threads=8)
        POOLS.append(front.pool)
        async with asyncio.timeout(10):
            out = await front._relay(b"GET", b"/x", [(b"host", b"x")], b"", "127.0.0.9", False)
        assert out.startswith(b"HTTP/1.1 503 ")
        assert b"Content-Security-Policy" in out

    run(app, tmp_path, body)


def test_the_front_relays_pooled_answers_with_its_own_framing(tmp_path: Path) -> None:
    app = FakeApp(answer=lambda n, req: CHUNKED)

    async def body(path: str) -> None:
        front = Front(path, threads=8)
        POOLS.append(front.pool)
        for _ in range(3):
            out = await front._relay(b"GET", b"/x", [(b"host", b"x")], b"", "127.0.0.9", True)
            head, _, rest = out.partition(b"\r\n\r\n")
            assert rest == b"hello 0123456789"
            assert b"Content-Length: 16" in head and b"Connection: keep-alive" in head
            assert b"chunked" not in head.lower()
        assert front.pool.opened == 1

    run(app, tmp_path, body)
    # HTTP/1.1 to the app server, the client's forwarding headers replaced by the front's.
    assert all(r.startswith(b"GET /x HTTP/1.1\r\n") for r in app.requests)
    assert all(b"X-Forwarded-For: 127.0.0.9" in r for r in app.requests)
    assert not any(b"Connection: close" in r for r in app.requests)


def test_the_last_request_a_client_connection_may_carry_is_answered_with_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client told "keep-alive" sends its next request on the connection: after the
    # MAX_REQUESTS-th it would find it closed (load_bench's clients did, 32 times a run).
    monkeypatch.setattr(front_module, "MAX_REQUESTS", 3)
    app = FakeApp()

    async def body(path: str) -> list[bytes]:
        front = Front(path, threads=8)
        POOLS.append(front.pool)
        server = await asyncio.start_server(front.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            heads = []
            for _ in range(3):
                writer.write(GET)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                assert await reader.readexactly(length) == b"hello"
                heads.append(head)
            assert await reader.read() == b""  # then closed
            writer.close()
            return heads

    heads = run(app, tmp_path, body)
    assert [b"Connection: keep-alive" in h for h in heads] == [True, True, False]  # type: ignore[union-attr]
    assert b"Connection: close" in heads[-1]  # type: ignore[index]
