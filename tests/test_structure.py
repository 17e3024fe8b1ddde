"""Article structure, Chinese numerals and document types."""

from __future__ import annotations

import pytest

from index.structure import (
    MAX_CHUNK,
    article_label,
    cn_to_int,
    doctype_of,
    int_to_cn,
    split_passages,
)


@pytest.mark.parametrize(
    "cn, n",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("一百二十三", 123),
        ("一千零五", 1005),
        ("两百", 200),
        ("56", 56),
    ],
)
def test_chinese_numerals(cn: str, n: int) -> None:
    assert cn_to_int(cn) == n
    if not cn.isdigit() and "两" not in cn:
        assert int_to_cn(n) == cn


def test_article_label_normalizes_forms() -> None:
    assert article_label("第56条") == "第五十六条"
    assert article_label("五十六") == "第五十六条"
    assert article_label("第一百零五条") == "第一百零五条"


def test_bare_heading_marks_are_no_preamble() -> None:
    """The laws data opens some records with an empty heading ("##"): no passage of its
    own (a hit on the record showed "##" as its passage and snippet)."""
    body = "##\n\n第一千二百五十九条 民法所称的以上包括本数。\n\n第一千二百六十条 本法自公布之日起施行。"
    ps = split_passages(body)
    assert [p.label for p in ps] == ["第一千二百五十九条", "第一千二百六十条"]
    assert body[ps[0].start :].startswith("第一千二百五十九条")


def test_split_articles_with_chapters_and_preamble() -> None:
    body = "序言内容。\n\n## 第一章 总则\n\n第一条 一。\n\n第二条 二。\n第二款。\n\n## 第二章 附则\n\n第三条 三。"
    ps = split_passages(body)
    assert [p.label for p in ps] == ["序言", "第一条", "第二条", "第三条"]
    assert [p.chapter for p in ps[1:]] == ["第一章 总则", "第一章 总则", "第二章 附则"]
    assert body[ps[2].start : ps[2].end].strip() == "第二条 二。\n第二款。"
    assert ps[3].number == 3


def test_unstructured_text_is_chunked_within_bounds() -> None:
    body = "\n\n".join(f"这是第{i}段，内容很长。" * 20 for i in range(30))
    ps = split_passages(body)
    assert len(ps) > 3
    assert all(p.end - p.start <= MAX_CHUNK for p in ps)
    assert ps[0].start == 0 and ps[-1].end == len(body)


def test_doctype_from_title() -> None:
    assert doctype_of("国务院办公厅关于促进平台经济规范健康发展的指导意见") == "指导意见"
    assert doctype_of("关于印发《数字中国建设整体布局规划》的通知") == "通知"
    assert doctype_of("上海市优化营商环境条例") == "条例"
    assert doctype_of("中华人民共和国数据安全法") == "法"
