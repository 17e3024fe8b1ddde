"""Readers for every shipped format, the import format and plain files; bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from index.document import Document
from index.readers import Problem, detect_format, issuer_from_history, read_paths


def split(items) -> tuple[list[Document], list[Problem]]:
    items = list(items)
    return [i for i in items if isinstance(i, Document)], [
        i for i in items if isinstance(i, Problem)
    ]


def write_gz(path: Path, text: str) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(text)
    return path


LAW = {
    "id": "0123456789abcdef0123456789abcdef",
    "path": "x/地方性法规/山东/a.md",
    "title": "山东省测试条例",
    "subtitle": None,
    "level": "地方性法规",
    "category": "山东",
    "region": "山东",
    "publish": "2020-01-02",
    "valid_from": "2020-03-01",
    "expired": False,
    "history": ["2020年1月2日 山东省第十三届人民代表大会常务委员会第十次会议通过"],
    "text": "## 第一章 总则\n\n第一条 为了测试。\n\n第二条 本条例。",
}


def test_laws_format(tmp_path: Path) -> None:
    p = write_gz(tmp_path / "laws.jsonl.gz", json.dumps(LAW, ensure_ascii=False) + "\n")
    assert detect_format(p) == "laws"
    docs, probs = split(read_paths([p]))
    assert not probs
    d = docs[0]
    assert (d.id, d.level, d.region, d.status, d.doctype) == (
        LAW["id"],
        "地方性法规",
        "山东",
        "现行有效",
        "条例",
    )
    assert d.issuer == "山东省人民代表大会常务委员会"
    assert d.publish_date == "2020-01-02" and d.year == 2020


def test_issuer_from_history_variants() -> None:
    assert (
        issuer_from_history(["2016年3月16日 第十二届全国人民代表大会第四次会议通过"])
        == "全国人民代表大会"
    )
    assert issuer_from_history(["1996年12月2日 中华人民共和国国务院令第206号发布"]) == "国务院"
    assert (
        issuer_from_history(["2020年12月25日 最高人民法院审判委员会第1825次会议通过"])
        == "最高人民法院"
    )
    assert issuer_from_history([]) == ""


def test_policy_titles_csv(tmp_path: Path) -> None:
    csv_text = (
        "source,url,title,issue_date,pub_date,doc_number\n"
        "State Council,http://a/1,国务院办公厅关于促进平台经济规范健康发展的指导意见,2019-08-01,2019-08-08,国办发〔2019〕38号\n"
        "Henan Provincial Government,http://a/2,,,2022-09-20,豫政办 〔2022〕53号\n"
        "Hubei Provincial Government,http://a/3,,,,\n"
    )
    p = write_gz(tmp_path / "titles.csv.gz", csv_text)
    docs, probs = split(read_paths([p]))
    assert [d.docnum for d in docs] == ["国办发〔2019〕38号", "豫政办 〔2022〕53号"]
    assert (
        docs[0].issuer == "国务院办公厅"
        and docs[0].region == "全国"
        and docs[0].doctype == "指导意见"
    )
    assert docs[1].region == "河南" and docs[1].title == ""
    assert (
        len(probs) == 1 and probs[0].line == 4 and "neither title nor doc_number" in probs[0].reason
    )
    # Ids are stable across runs (from the URL).
    again, _ = split(read_paths([p]))
    assert [d.id for d in again] == [d.id for d in docs]


def test_work_reports_and_en_titles(tmp_path: Path) -> None:
    wr = {
        "title": "1999年國務院政府工作報告",
        "url": "http://w/1999",
        "content": "各位代表：\n\n現在。",
        "year": 1999,
    }
    p = write_gz(tmp_path / "wr.jsonl.gz", json.dumps(wr, ensure_ascii=False) + "\n")
    docs, probs = split(read_paths([p]))
    assert not probs and docs[0].level == "工作报告" and docs[0].year == 1999
    en = {
        "id": "xv-1",
        "level": "shandong",
        "release_time": "2022-05-01",
        "release_department_en": "Shandong",
        "title_en": "Implementation Opinions on X",
        "content_zh": "各市：\n\n推动平台经济。",
    }
    p2 = tmp_path / "en.jsonl"
    p2.write_text(json.dumps(en, ensure_ascii=False) + "\n", encoding="utf-8")
    docs, probs = split(read_paths([p2]))
    d = docs[0]
    assert (
        d.region == "山东"
        and d.titles_en[0].text == "Implementation Opinions on X"
        and d.titles_en[0].attested
    )


def test_import_format_and_bad_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a1", "title": "测试文件", "body": "第一条 内容。"}, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "没有编号"}, ensure_ascii=False),
        json.dumps({"id": "a2", "title": "x", "colour": "red"}),
        json.dumps({"id": "bad id/..", "title": "x"}),
        json.dumps({"id": "a3", "title": "日期", "issue_date": "2020/1/1"}, ensure_ascii=False),
        "[1, 2]",
        json.dumps(
            {"id": "a4", "title": "好的", "titles_en": ["Good"], "issue_date": "2020-01-01"},
            ensure_ascii=False,
        ),
    ]
    p = tmp_path / "mine.jsonl"
    p.write_bytes(
        ("\n".join(lines) + "\n").encode("utf-8") + b'{"id": "a5", "title": "\xff\xfe"}\n'
    )
    docs, probs = split(read_paths([p]))
    assert [d.id for d in docs] == ["a1", "a4"]
    assert [pr.line for pr in probs] == [2, 3, 4, 5, 6, 7, 9]
    reasons = " | ".join(pr.reason for pr in probs)
    for expected in (
        "malformed JSON",
        "missing field 'id'",
        "unknown field",
        "bad document id",
        "YYYY-MM-DD",
        "not a JSON object",
        "not UTF-8",
    ):
        assert expected in reasons
    assert all(str(pr).startswith(str(p) + ":") for pr in probs)


def test_folder_of_text_markdown_html(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "通知.txt").write_text(
        "关于加强数据安全管理的通知\n\n各单位：请加强数据安全。", encoding="utf-8"
    )
    (folder / "sub" / "note.md").write_text(
        "# Data Security Notice\n\nPlatforms shall protect data.", encoding="utf-8"
    )
    (folder / "page.html").write_text(
        "<html><head><title>页面</title><script>alert(1)</script></head><body><h1>营商环境办法</h1><p>第一条 优化营商环境。</p></body></html>",
        encoding="utf-8",
    )
    (folder / "gbk.txt").write_bytes("国务院关于平台经济的意见\n内容".encode("gb18030"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.png").write_bytes(b"\x89PNG")
    docs, probs = split(read_paths([folder]))
    by_title = {d.display_title: d for d in docs}
    assert set(by_title) == {
        "关于加强数据安全管理的通知",
        "Data Security Notice",
        "营商环境办法",
        "国务院关于平台经济的意见",
    }
    assert by_title["Data Security Notice"].lang == "en"
    assert "alert" not in by_title["营商环境办法"].body
    assert by_title["关于加强数据安全管理的通知"].id == "file:通知"  # Chinese file names survive
    assert len(probs) == 1 and "empty" in probs[0].reason


def test_missing_empty_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "data.bin").write_bytes(b"\x00\x01binary")
    docs, probs = split(
        read_paths([tmp_path / "nope.jsonl", tmp_path / "empty.jsonl", tmp_path / "data.bin"])
    )
    assert not docs
    assert [p.reason.split(":")[0] for p in probs] == [
        "no such file or folder",
        "empty file",
        "unknown format",
    ]


@pytest.mark.integration
def test_every_shared_file_reads(shared_data: Path) -> None:
    counts: dict[str, int] = {}
    problems = 0
    for it in read_paths(
        [
            shared_data / "policy_titles.csv.gz",
            shared_data / "work_reports.jsonl.gz",
            shared_data / "en_titles" / "dev.jsonl",
        ]
    ):
        if isinstance(it, Problem):
            problems += 1
        else:
            counts[it.source] = counts.get(it.source, 0) + 1
    assert counts["policy_titles"] > 42_000
    assert counts["work_reports"] == 72  # the reports and the resolutions approving them
    assert counts["en_titles"] == 70
    assert problems < 1000  # records with neither title nor number


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("上海市人民政府关于加强本市保障性住房管理的通知", "上海市人民政府"),
        # The body that forwards, not "…转发国务院办公厅".
        ("广东省人民政府办公厅转发国务院办公厅关于做好某项工作的通知", "广东省人民政府办公厅"),
        ("国务院办公厅转发国家计委关于某项工作意见的通知", "国务院办公厅"),
        ("国务院批转国家计委关于某项工作的报告的通知", "国务院"),
        # Forwarded by a body the title leaves out: the source's government stands in.
        ("转发国务院办公厅关于做好某项工作的通知", ""),
    ],
)
def test_the_issuer_of_a_forwarded_title_is_the_body_that_forwards(title: str, issuer: str) -> None:
    from index.readers import issuer_from_title

    assert issuer_from_title(title) == issuer
