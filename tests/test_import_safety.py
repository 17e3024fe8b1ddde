"""Hostile and unlucky imports (issue 9, items 5-9 and 11), as a user meets them.

Each test first builds the attack of the issue on disk (a deeply nested record, a gzip
bomb, links out of a folder, a FIFO, /dev/zero, an id with a newline, indexing workers
failing on a full disk), then runs the real command line: a clear message, the right
exit status, no traceback, and nothing already indexed lost. Hang-prone cases run in a
child process with a generous timeout, so a regression fails instead of hanging.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mounts import small_tmpfs

from index import readers, segmenter
from index.document import Document
from index.errors import InputError
from index.readers import Problem, read_paths
from index.whoosh_backend import WhooshBackend
from web.cli import main

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "import_bomb_bench", ROOT / "benchmarks" / "import_bomb_bench.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

CHILD_TIMEOUT = 180  # seconds; an upper bound only (the attacks used to hang forever)


@pytest.fixture(autouse=True)
def _plain_segmenter() -> Iterator[None]:
    yield
    segmenter.configure([])  # in-process CLI runs load the glossary's words


def rec(doc_id: str, title: str, **more: object) -> str:
    return json.dumps({"id": doc_id, "title": title, **more}, ensure_ascii=False)


def indexed_ids(ix: Path) -> set[str]:
    b = WhooshBackend(ix)
    try:
        return set(b.existing_hashes())
    finally:
        b.close()


def index_files(ix: Path) -> set[str]:
    """The index folder's files, but the lock owner record (rewritten by every run)."""
    return {str(p.relative_to(ix)) for p in ix.rglob("*")} - {"whoosh/duizhao-writer.json"}


def cli(
    *args: str, index: Path, timeout: float = CHILD_TIMEOUT, script: str = ""
) -> subprocess.CompletedProcess:
    """``duizhao --index INDEX ARGS`` in a child process (``script`` runs first)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("DUIZHAO_INDEX", None)
    code = script + "\nimport sys\nfrom web.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return subprocess.run(
        [sys.executable, "-c", code, "--index", str(index), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def split(items) -> tuple[list[Document], list[Problem]]:
    items = list(items)
    return [i for i in items if isinstance(i, Document)], [
        i for i in items if isinstance(i, Problem)
    ]


# --- 5. a record that fails for any reason is skipped -----------------------------------


def test_deeply_nested_record_is_skipped_and_the_rest_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = tmp_path / "nested.jsonl"
    nested = '{"id": "n1", "title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    data.write_text(
        "\n".join([rec("g1", "好的一"), nested, rec("g2", "好的二")]) + "\n", encoding="utf-8"
    )
    ix = tmp_path / "ix"
    assert main(["--index", str(ix), "index", str(ix.parent / "nested.jsonl"), "--procs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "2 added" in out and "1 skipped" in out
    assert f"{data}:2: malformed JSON: nested too deeply" in err
    assert "Traceback" not in err
    assert indexed_ids(ix) == {"g1", "g2"}


def test_nesting_as_the_first_line_is_reported_too(tmp_path: Path) -> None:
    data = tmp_path / "first.jsonl"
    data.write_text('{"id": ' + "[" * 50_000 + "\n" + rec("g1", "好的") + "\n", encoding="utf-8")
    docs, probs = split(read_paths([data]))
    assert [d.id for d in docs] == ["g1"]
    assert [(p.line, "malformed JSON" in p.reason) for p in probs] == [(1, True)]


def test_a_document_that_fails_later_is_skipped_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the reader (passages, hash, records): the document is skipped, the run goes on."""
    from index import report as triage  # every backend's run triages documents there

    real = triage.split_passages

    def fragile(body: str):
        if "炸" in body:
            raise RecursionError("maximum recursion depth exceeded")
        return real(body)

    monkeypatch.setattr(triage, "split_passages", fragile)
    data = tmp_path / "docs.jsonl"
    data.write_text(
        "\n".join(
            [rec("a", "甲", body="第一条 好。"), rec("b", "乙", body="第一条 炸。"), rec("c", "丙")]
        )
        + "\n",
        encoding="utf-8",
    )
    segmenter.configure([])
    b = WhooshBackend(tmp_path / "ix", create=True)
    report = b.add_documents(read_paths([data]))
    b.close()
    assert (report.added, report.problems) == (2, [f"{data}:2: cannot be indexed (RecursionError)"])
    assert indexed_ids(tmp_path / "ix") == {"a", "c"}


# --- 6. bounded memory: lines read with a cap, decompression bounded ---------------------


def test_gzip_bomb_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    """The issue's attack, smaller: 256 MiB of zeros with no newline in a 1 MB gzip.
    Reading the whole line (as before) needs more than 256 MB on top of the interpreter;
    with the cap the child stays near its baseline (about 130 MB here)."""
    bomb = tmp_path / "bomb.jsonl.gz"
    bench.make_bomb(bomb, 256 * 1024**2, before=2, after=2)
    proc, peak = bench.run_import(bomb, tmp_path / "ix", procs=1, timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == 4 and report["skipped"] == 1
    assert report["problems"] == [f"{bomb}:3: record larger than 20 MB, skipped"]
    assert indexed_ids(tmp_path / "ix") == {"good-0", "good-1", "good-2", "good-3"}
    assert 0 < peak < 230 * 1024**2, f"peak RSS {peak / 1e6:.0f} MB"


def test_over_long_lines_are_skipped_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap itself, with a small limit: a line of exactly the limit is read, one byte
    more is skipped (plain and gzip files alike), and line numbers stay right."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 200)
    monkeypatch.setattr(readers, "_SKIP_CHUNK", 7)
    shell = '{"id": "fits", "title": "t", "body": ""}'
    fits = shell[:-2] + "x" * (200 - len(shell)) + '"}'
    assert len(fits.encode()) == 200
    lines = [rec("a", "甲"), fits, "{" + "y" * 201, rec("b", "乙"), "z" * 5000]
    text = "\n".join(lines)  # the last (over-long) line has no newline at all
    plain = tmp_path / "plain.jsonl"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    for path in (plain, packed):
        docs, probs = split(read_paths([path]))
        assert [d.id for d in docs] == ["a", "fits", "b"]
        assert [p.line for p in probs] == [3, 5]
        assert all(p.reason.startswith("record larger than") for p in probs)


def test_decompression_is_bounded_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_DECOMPRESSED_BYTES", 100_000)
    lines = [rec(f"d{i}", f"文件{i}", body="数据" * 300) for i in range(100)]
    packed = tmp_path / "big.jsonl.gz"
    packed.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    docs, probs = split(read_paths([packed]))
    assert 0 < len(docs) < 100 and [d.id for d in docs] == [f"d{i}" for i in range(len(docs))]
    assert len(probs) == 1 and probs[0].line == len(docs) + 1
    assert "decompression bomb" in probs[0].reason and "decompress it" in probs[0].reason


def test_csv_lines_are_read_with_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 300)
    rows = [
        "source,url,title,issue_date,pub_date,doc_number",
        "State Council,https://e.example/1,关于一的通知,2020-01-01,,",
        "State Council,https://e.example/2," + "长" * 200 + ",2020-01-01,,",
        "State Council,https://e.example/3,关于三的通知,2020-01-01,,",
    ]
    path = tmp_path / "titles.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode("utf-8") + b"x,\xff,y\n"))
    docs, probs = split(read_paths([path]))
    assert [d.title for d in docs] == ["关于一的通知", "关于三的通知"]
    assert [p.line for p in probs] == [3, 5]
    assert "larger than" in probs[0].reason and "not UTF-8" in probs[1].reason


# --- 7. no symbolic links out of the folder given ----------------------------------------


@pytest.fixture
def linked_folder(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.txt").write_text("机密文件 口令是 zebrafish", encoding="utf-8")
    (outside / "deep" / "more.md").write_text("# 机密 目录 zebrafish", encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "links").mkdir(parents=True)
    (docs / "通知.txt").write_text("关于数据安全的通知\n\n请加强数据安全。", encoding="utf-8")
    (docs / "links" / "passwd.txt").symlink_to(outside / "secret.txt")
    (docs / "links" / "inside.txt").symlink_to(docs / "通知.txt")
    (docs / "outdir").symlink_to(outside / "deep")
    (docs / "loop").symlink_to(docs)
    (docs / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    return docs


def test_folder_links_out_are_not_followed(
    linked_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ix = tmp_path / "ix"
    assert main(["--index", str(ix), "index", str(linked_folder), "--procs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "2 added" in out and "3 skipped" in out
    for name in ("links/passwd.txt", "outdir"):
        assert f"{linked_folder / name}: a symbolic link out of the folder" in err
    assert f"{linked_folder / 'gone.txt'}: cannot read: No such file or directory" in err
    assert "--follow-symlinks" in err and "Traceback" not in err
    assert indexed_ids(ix) == {"file:通知", "file:links_inside"}
    # Asked for explicitly, they are read (and the loop back into the folder ends).
    assert (
        main(["--index", str(ix), "index", str(linked_folder), "--follow-symlinks", "--procs", "1"])
        == 0
    )
    assert {"file:links_passwd", "file:outdir_more"} <= indexed_ids(ix)


def test_a_link_swapped_in_after_the_walk_is_refused(linked_folder: Path, tmp_path: Path) -> None:
    """The containment check is made on the opened file, not only on the walked name."""
    victim = linked_folder / "later.txt"
    victim.symlink_to(tmp_path / "outside" / "secret.txt")
    with pytest.raises(InputError, match="leads outside the folder"):
        readers._open_regular(victim, linked_folder.resolve())
    docs, probs = split(readers._text_file(victim, linked_folder, linked_folder.resolve()))
    assert not docs and "leads outside the folder" in probs[0].reason


# --- 8. FIFOs and devices are refused before the writer lock -------------------------------


def test_fifo_and_devices_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    ix = tmp_path / "ix"
    for path, kind in ((fifo, "a named pipe (FIFO)"), (Path("/dev/zero"), "a character device")):
        p = cli("index", str(path), index=ix)
        assert p.returncode == 2, p.stderr
        assert f"error: {path} is {kind}, not a regular file or folder" in p.stderr
        assert "hint: give data files or folders" in p.stderr and "Traceback" not in p.stderr
        assert not ix.exists()  # refused before the index (and its lock) was touched


def test_fifo_inside_a_folder_is_skipped_and_the_lock_freed(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("关于甲的通知\n\n内容。", encoding="utf-8")
    os.mkfifo(docs / "b.jsonl")
    os.mkfifo(docs / "c.txt")
    p = cli("index", str(docs), "--procs", "1", index=ix)
    assert p.returncode == 0, p.stderr
    assert "1 added" in p.stdout and "2 skipped" in p.stdout
    for name in ("b.jsonl", "c.txt"):
        assert f"{docs / name}: a named pipe (FIFO), not a regular file" in p.stderr
    # The reader never blocks on a FIFO (or reads a device) even when handed one directly.
    assert split(read_paths([docs / "b.jsonl"]))[1][0].reason.startswith("a named pipe")
    assert split(read_paths(["/dev/zero"]))[1][0].reason.startswith("a character device")
    (docs / "d.txt").write_text("关于丁的通知", encoding="utf-8")
    p = cli("index", str(docs), "--procs", "1", "--json", index=ix)  # the lock is free
    assert json.loads(p.stdout)["added"] == 1
    assert indexed_ids(ix) == {"file:a", "file:d"}


# --- 9. ids: fullmatch, no control characters ---------------------------------------------


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("abc\n", "000A"),
        ("abc\r", "000D"),
        ("a\tb", "0009"),
        ("ab\u200bc", "200B"),
        ("\nabc", "000A"),
    ],
)
def test_ids_with_control_characters_are_refused(bad: str, code: str) -> None:
    from index.errors import NotFound
    from web.api import get_document_or_404

    with pytest.raises(InputError, match=f"invisible or control character U\\+{code}"):
        Document(id=bad, title="标题").validate()
    with pytest.raises(NotFound):  # the API uses the same syntax, before any lookup
        get_document_or_404(bad)


@pytest.mark.parametrize("good", ["abc", "中文:第1号", "a.b_c-d", "x" * 128])
def test_valid_ids_still_pass(good: str) -> None:
    Document(id=good, title="标题").validate()


def test_id_with_a_trailing_newline_is_not_a_second_document(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = tmp_path / "ids.jsonl"
    data.write_text(rec("abc", "一") + "\n" + rec("abc\n", "二") + "\n", encoding="utf-8")
    ix = tmp_path / "ix"
    assert main(["--index", str(ix), "index", str(data), "--procs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "1 added" in out and "1 skipped" in out
    assert (
        f"{data}:2: bad document id 'abc\\n': it contains an invisible or control character U+000A"
        in err
    )
    assert indexed_ids(ix) == {"abc"}


# --- 11. indexing workers fail: one clear message from the parent --------------------------

# Run in the child before the CLI: every indexing worker (forked, so it inherits this)
# fails the way a full disk makes it fail, or is killed.
_WORKERS_FAIL = """
import errno, os, signal
from index import storage
def _fail(self, filename, doc_count):
    {action}
storage.DurableSubWriterTask._process_file = _fail
"""
_ENOSPC = "raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))"
_KILLED = "os.kill(os.getpid(), signal.SIGKILL)"


@pytest.fixture
def indexed_before(tmp_path: Path) -> tuple[Path, Path]:
    """An index holding 'keep-1', and a file of 3,000 new records: more batches than
    the job queue holds, so a parent whose workers have all died used to block forever
    (and with fewer, committed without their documents, saying they were added)."""
    ix = tmp_path / "ix"
    first = tmp_path / "first.jsonl"
    first.write_text(rec("keep-1", "保留的文件", body="第一条 保留。") + "\n", encoding="utf-8")
    assert cli("index", str(first), "--procs", "1", index=ix).returncode == 0
    many = tmp_path / "many.jsonl"
    many.write_text(
        "".join(rec(f"n{i}", f"新文件{i}", body=f"第一条 内容{i}。") + "\n" for i in range(3000)),
        encoding="utf-8",
    )
    return ix, many


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (_ENOSPC, "error: the disk holding the index at {ix} is full; nothing from this run"),
        (_KILLED, "error: an indexing process stopped unexpectedly (exit status -9)"),
    ],
    ids=["disk-full", "killed"],
)
def test_failing_workers_give_one_clear_message(
    indexed_before: tuple[Path, Path], action: str, message: str
) -> None:
    ix, many = indexed_before
    before = index_files(ix)
    p = cli(
        "index", str(many), "--procs", "2", index=ix, script=_WORKERS_FAIL.format(action=action)
    )
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and "Process " not in p.stderr
    assert p.stderr.startswith(message.format(ix=ix)), p.stderr
    assert p.stderr.count("error:") == 1 and "hint:" in p.stderr
    assert indexed_ids(ix) == {"keep-1"}  # nothing committed, nothing lost
    assert index_files(ix) == before  # this run's partial files were removed
    few = many.parent / "few.jsonl"
    few.write_text("".join(many.read_text(encoding="utf-8").splitlines(True)[:5]), encoding="utf-8")
    p = cli("index", str(few), "--procs", "2", "--json", index=ix)  # the lock is free
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["added"] == 5


def test_a_worker_failing_on_a_small_run_is_not_a_silent_loss(
    indexed_before: tuple[Path, Path],
) -> None:
    """One batch per worker: Whoosh used to commit without the failed worker's segment
    and report the documents as added."""
    ix, many = indexed_before
    few = many.parent / "few.jsonl"
    few.write_text("".join(many.read_text(encoding="utf-8").splitlines(True)[:5]), encoding="utf-8")
    p = cli(
        "index", str(few), "--procs", "2", index=ix, script=_WORKERS_FAIL.format(action=_ENOSPC)
    )
    assert p.returncode == 1 and "is full" in p.stderr and "Traceback" not in p.stderr
    assert "added" not in p.stdout
    assert indexed_ids(ix) == {"keep-1"}


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "small", "4m") as d:
        yield d


@pytest.mark.slow
def test_two_indexing_processes_on_a_full_disk(
    tmpfs: Path, indexed_before: tuple[Path, Path]
) -> None:
    """The issue's report on a real full disk: whichever process hits it first, the user
    sees the one clear message and keeps the previous index."""
    src, many = indexed_before
    ix = tmpfs / "ix"
    shutil.copytree(src, ix)
    filler = tmpfs / "filler"
    filler.write_bytes(b"\0" * max(0, shutil.disk_usage(tmpfs).free - 400_000))
    p = cli("index", str(many), "--procs", "2", index=ix)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and "Process " not in p.stderr
    assert p.stderr.startswith(f"error: the disk holding the index at {ix} is full"), p.stderr
    assert indexed_ids(ix) == {"keep-1"}
