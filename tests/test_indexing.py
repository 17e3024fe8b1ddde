"""The library's indexing entry point (``index.indexing.index_paths``) and the
backend factory's helpers it relies on (rebuild, service restriction)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index import integrity, segmenter
from index.backends import open_backend, reset_index, restrict_to
from index.document import Document
from index.errors import IndexNotAllowed, IndexOutdated, InputError
from index.indexing import index_paths

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = FIXTURES / "docs.jsonl"
N_DOCS = sum(1 for line in DOCS.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.fixture(autouse=True)
def _plain_segmenter() -> None:
    segmenter.configure([])


def test_index_paths_indexes_then_skips_unchanged(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    report = index_paths(ix, [DOCS])
    assert (report.added, report.updated, report.unchanged) == (N_DOCS, 0, 0)
    assert not report.problems
    again = index_paths(ix, [DOCS])
    assert (again.added, again.unchanged) == (0, N_DOCS)
    backend = open_backend(ix)
    try:
        assert backend.doc_count() == N_DOCS
        assert backend.generation() >= 1
    finally:
        backend.close()


def test_enrich_runs_per_document_and_a_failure_skips_only_that_one(tmp_path: Path) -> None:
    seen: list[str] = []

    def enrich(doc: Document) -> None:
        seen.append(doc.id)
        if doc.id == "law-dsl":
            raise ValueError("odd record")

    report = index_paths(tmp_path / "ix", [DOCS], enrich=enrich)
    assert len(seen) == N_DOCS
    assert report.added == N_DOCS - 1
    assert any("cannot be prepared (ValueError)" in p for p in report.problems)


def test_limit_and_track_see_the_records(tmp_path: Path) -> None:
    calls: list[list[Path]] = []

    def track(
        paths: list[Path], read: Callable[[list[Path]], Iterator[object]]
    ) -> Iterator[object]:
        calls.append(paths)
        return read(paths)

    report = index_paths(tmp_path / "ix", [DOCS], limit=3, track=track)
    assert calls == [[DOCS]]
    assert report.added == 3


def test_nothing_to_index_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing to index"):
        index_paths(tmp_path / "ix", [])


def test_rebuild_starts_afresh_an_index_from_another_version(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    index_paths(ix, [DOCS], limit=2)
    meta = ix / "duizhao.json"
    meta.write_text(meta.read_text("utf-8").replace('"schema_version"', '"old_version"'))
    with pytest.raises(IndexOutdated):
        index_paths(ix, [DOCS])
    report = index_paths(ix, [DOCS], rebuild=True)
    assert report.added == N_DOCS


def test_a_changed_glossary_asks_for_a_rebuild(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    index_paths(ix, [DOCS], limit=2)

    class Words:
        def segmentation_words(self) -> list[str]:
            return ["数据安全法"]

    with pytest.raises(InputError, match="--rebuild"):
        index_paths(ix, [DOCS], glossary=Words())
    assert index_paths(ix, [DOCS], glossary=Words(), rebuild=True).added == N_DOCS


def test_changed_analysis_rules_ask_for_a_rebuild(tmp_path: Path, monkeypatch) -> None:
    """An index written under other term rules (ANALYSIS_VERSION) is not added to: its
    English terms would not meet the queries' (labour vs labor); the error names the
    flag, and the demo script forwards it."""
    from index import segmenter

    ix = tmp_path / "ix"
    index_paths(ix, [DOCS], limit=2)
    monkeypatch.setattr(segmenter, "ANALYSIS_VERSION", "older")
    with pytest.raises(InputError, match=r"scripts/demo --rebuild"):
        index_paths(ix, [DOCS])
    assert index_paths(ix, [DOCS], rebuild=True).added == N_DOCS
    demo = (Path(__file__).resolve().parents[1] / "scripts" / "demo").read_text("utf-8")
    assert 'index --sample --progress "$@"' in demo


def test_reset_refuses_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="does not look like a Duizhao index"):
        reset_index(tmp_path)
    assert (tmp_path / "mine.txt").exists()


def test_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown index backend"):
        index_paths(tmp_path / "ix", [DOCS], kind="no-such-engine")


def test_a_restricted_service_opens_only_its_index(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    index_paths(ix, [DOCS], limit=1)
    other = tmp_path / "other"
    index_paths(other, [DOCS], limit=1)
    restrict_to(ix)
    try:
        open_backend(ix).close()
        with pytest.raises(IndexNotAllowed):
            open_backend(other)
        with pytest.raises(IndexNotAllowed):
            open_backend("xapian+tcp://127.0.0.1:1")  # before any engine is asked
    finally:
        restrict_to()
    assert integrity._allowed_roots is None  # lifted for the other tests
    open_backend(other).close()


def test_generation_and_statistics_follow_new_commits(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    index_paths(ix, [DOCS], limit=2)
    backend = open_backend(ix)
    try:
        gen = backend.generation()
        before = backend.doc_frequency("body", "数据")
        assert before == backend.doc_frequency("body", "数据")  # the cached count
        index_paths(ix, [DOCS])  # another writer commits
        assert backend.generation() > gen
        backend.reopen()
        assert backend.doc_count() == N_DOCS
        assert backend.doc_frequency("body", "数据") > before
        assert backend.doc_frequency("body", "没有这个词") == 0
    finally:
        backend.close()


def test_an_index_url_reaches_the_factory_whole(tmp_path: Path) -> None:
    # pathlib folds "//": the URL of remote shards must reach the factory unchanged.
    with pytest.raises(InputError, match="unknown index URL scheme 'nosuch'"):
        index_paths("nosuch://127.0.0.1:1,127.0.0.1:2", [DOCS])


def _asdict_forms(doc: Document) -> tuple[str, str, dict]:
    """(content hash, stored JSON, dict) as ``dataclasses.asdict`` made them before."""
    import dataclasses
    import hashlib
    import json

    d = dataclasses.asdict(doc)
    stored = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    no_passages = {k: v for k, v in d.items() if k != "passages"}
    payload = json.dumps(no_passages, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24], stored, d


def test_document_stored_forms_equal_asdict() -> None:
    """``Document.to_dict`` (built without ``asdict``'s recursion), the content hash
    and the stored JSON are exactly what ``dataclasses.asdict`` gave: same keys in the
    same order, same values, copies not shared with the document."""
    from index.document import EnglishTitle
    from index.readers import read_paths
    from index.structure import split_passages

    docs = [d for d in read_paths([DOCS]) if isinstance(d, Document)]
    odd = Document(id="odd-1", title="关于印发〈办法〉的通知", history=["2001 公布", "2010 修改"])
    odd.titles_en = [EnglishTitle("Notice", "draft", attested=False)]
    odd.body, odd.issue_date, odd.publish_date = "第一条 总则。\n第二条 适用。", "2020-01-02", None
    docs.append(odd)
    assert len(docs) > 3
    for doc in docs:
        doc.passages = split_passages(doc.body)
        want_hash, want_json, want_dict = _asdict_forms(doc)
        got = doc.to_dict()
        assert list(got) == list(want_dict) and got == want_dict
        assert got["titles_en"] is not doc.titles_en and got["history"] is not doc.history
        assert doc.to_dict(with_passages=False) == {
            k: v for k, v in want_dict.items() if k != "passages"
        }
        assert doc.content_hash() == want_hash
        assert doc.to_json() == want_json
        assert doc.hash_and_json() == (want_hash, want_json)
    assert any(d.passages for d in docs) and any(d.titles_en for d in docs)
