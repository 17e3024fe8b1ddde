"""Tests for index.docnumber: the 文号 parser, finder and lookup keys."""

from __future__ import annotations

import csv
import gzip
import time
from pathlib import Path

import pytest

from index.docnumber import PINYIN, DocNumber, docnum_keys, find_docnums, parse_docnum
from index.errors import InputError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.mark.parametrize(
    "text",
    [
        "国办发〔2019〕38号",
        "国办发[2019]38号",
        "国办发(2019)38号",
        "国办发（2019）38号",
        "国办发【2019】38号",
        "国办发﹝2019﹞38号",
        "国办发 〔 2019 〕 38 号",
        "国 办 发〔2019〕38号",
        "国办发〔２０１９〕３８号",
        "国办发2019年38号",
        "国办发〔2019〕38",
        "\u200b国办发〔2019〕38号\u200b",
        "國辦發〔2019〕38號",
    ],
)
def test_chinese_forms_share_one_key(text: str) -> None:
    dn = parse_docnum(text)
    assert dn == DocNumber("国办发", 2019, 38)
    assert dn.key == "国办发〔2019〕38号"
    assert dn.pinyin_key == "guobanfa-2019-38"
    assert docnum_keys(text) == ["国办发〔2019〕38号"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Guobanfa (2019) No. 38", "guobanfa-2019-38"),
        ("Guo Fa [2017] No. 35", "guofa-2017-35"),
        ("Guo Ban Fa [2019] No.38", "guobanfa-2019-38"),
        ("Yu Zheng Ban (2022) No. 53", "yuzhengban-2022-53"),
        ("Guofa〔2017〕35", "guofa-2017-35"),
        ("guobanfa 2019 no. 38", "guobanfa-2019-38"),
        ("Guó Bàn Fā (2019) No. 38", "guobanfa-2019-38"),
    ],
)
def test_english_forms(text: str, key: str) -> None:
    dn = parse_docnum(text)
    assert dn is not None and dn.is_pinyin
    assert dn.pinyin_key == key
    assert docnum_keys(text) == [key]


def test_english_and_chinese_meet_on_the_pinyin_key() -> None:
    zh = parse_docnum("豫政办 〔2022〕53号")
    en = parse_docnum("Yu Zheng Ban (2022) No. 53")
    assert zh is not None and en is not None
    assert zh.key == "豫政办〔2022〕53号"
    assert zh.pinyin_key == en.pinyin_key
    # 豫 and 渝 share "yu": the search ranks them, the key cannot tell them apart
    assert parse_docnum("渝政办〔2022〕53号").pinyin_key == en.pinyin_key


def test_decrees_and_announcements() -> None:
    assert parse_docnum("省政府令 第5号").key == "省政府令第5号"
    assert parse_docnum("省政府令 第5号").pinyin_key == "shengzhengfuling-5"
    dn = parse_docnum("国家税务总局公告2015年第41号")
    assert (dn.prefix, dn.year, dn.number) == ("国家税务总局公告", 2015, 41)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "2019年38号",
        "国务院关于促进平台经济规范健康发展的指导意见",
        "豫政 第24号",
        "国办发〔2019〕38号 国发〔2017〕35号",
        "The Council's plan [2019] No. 5",
        "!!!",
        "x" * 5000,
    ],
)
def test_not_a_number(text: str) -> None:
    assert parse_docnum(text) is None
    assert docnum_keys(text) == []


def test_non_string_is_none_or_input_error() -> None:
    assert parse_docnum(None) is None  # type: ignore[arg-type]
    with pytest.raises(InputError):
        find_docnums(38)  # type: ignore[arg-type]


def test_find_in_text_with_offsets() -> None:
    text = (
        "根据《国务院办公厅关于促进平台经济规范健康发展的指导意见》（国办发〔2019〕38号），"
        "现将国发[2017]35号文件转发。The State Council's Guo Fa [2017] No. 35 and the "
        "Guobanfa (2019) No. 38 document; 2019年3月1日起施行。"
    )
    found = find_docnums(text)
    assert [d.key for d, _ in found] == [
        "国办发〔2019〕38号",
        "国发〔2017〕35号",
        "guofa-2017-35",
        "guobanfa-2019-38",
    ]
    assert [text[a:b] for _, (a, b) in found] == [
        "国办发〔2019〕38号",
        "国发[2017]35号",
        "Guo Fa [2017] No. 35",
        "Guobanfa (2019) No. 38",
    ]


def test_find_traditional_numbers_in_text() -> None:
    """A number written in traditional characters (a Hong Kong or Taiwan source) is read
    whole, with its lead words: before, 國 stopped the issuer code, so 國函（2007）75號
    was read as 函〔2007〕75号 and searched as that filter plus the word 国."""
    text = "根據國辦發〔2019〕38號文件，粵府【2016】140號及國函（2007）75號"
    found = find_docnums(text)
    assert [d.key for d, _ in found] == [
        "国办发〔2019〕38号",
        "粤府〔2016〕140号",
        "国函〔2007〕75号",
    ]
    assert [text[a:b] for _, (a, b) in found] == [
        "國辦發〔2019〕38號",
        "粵府【2016】140號",
        "國函（2007）75號",
    ]
    assert [d.key for d, _ in find_docnums("關於印發國發[2021]23號")] == ["国发〔2021〕23号"]


def test_find_empty_and_no_numbers() -> None:
    assert find_docnums("") == []
    assert find_docnums("国务院关于促进平台经济规范健康发展的指导意见，2019年8月1日") == []


# An upper bound only, against catastrophic regex backtracking (which takes minutes or
# more on inputs like these), never a speed claim: CI runs on a loaded machine.
HANG_S = 30.0


def test_long_input_is_fast() -> None:
    text = ("国务院关于促进经济发展的意见（国办发〔2019〕38号）" * 400)[:10_000]
    t0 = time.perf_counter()
    found = find_docnums(text)
    assert parse_docnum(text) is None
    assert time.perf_counter() - t0 < HANG_S
    assert len(found) >= 300
    assert all(d.key == "国办发〔2019〕38号" for d, _ in found)
    adversarial = "Guo " * 2500 + "〔2019〕" * 300
    t0 = time.perf_counter()
    find_docnums(adversarial)
    assert time.perf_counter() - t0 < HANG_S


@pytest.mark.integration
def test_every_real_doc_number_parses() -> None:
    path = SHARED / "data" / "policy_titles.csv.gz"
    if not path.exists():
        pytest.skip("../shared data not present")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        numbers = [r["doc_number"] for r in csv.DictReader(f) if r["doc_number"].strip()]
    parsed = [(n, parse_docnum(n)) for n in numbers]
    failed = [n for n, d in parsed if d is None]
    # Measured 2025: 35,876 of 35,877 parse; the one left, "豫政 第24号", has
    # no year and is not a decree (genuinely malformed).
    assert len(failed) <= 5, failed
    assert len(numbers) > 30_000
    # every prefix gets an all-ASCII pinyin key
    no_pinyin = {d.prefix for _, d in parsed if d is not None and not d.pinyin_key.isascii()}
    assert not no_pinyin, sorted(no_pinyin)[:20]
    # and each bracket style of a real number comes back to the same key
    for n, d in parsed[:2000]:
        if d is None or d.year == 0 or "第" in n:
            continue
        for o, c in ("〔〕", "[]", "()", "（）", "【】"):
            assert parse_docnum(f"{d.prefix}{o}{d.year}{c}{d.number}号") == d


def test_pinyin_table_is_lowercase_syllables() -> None:
    assert all(v.isascii() and v.isalpha() and v.islower() for v in PINYIN.values())
    assert PINYIN["国"] == "guo" and PINYIN["豫"] == "yu" and PINYIN["渝"] == "yu"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("国办发38号", ("国办发", 38)),
        ("國辦發38號文", ("国办发", 38)),
        ("国发35号文件", ("国发", 35)),
        ("国办发第38号", ("国办发", 38)),
        ("国办函 12 号", ("国办函", 12)),
        # not a number without its year
        ("国办发〔2019〕38号", None),
        ("数据安全法38号", None),  # no issuer code ends in 法
        ("关于38号", None),
        ("38号", None),
        ("国办发0号", None),
    ],
)
def test_numbers_typed_without_their_year(text: str, found: tuple | None) -> None:
    from index.docnumber import parse_yearless

    assert parse_yearless(text) == found


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("粤府 2016 140号", "粤府〔2016〕140号"),  # brackets copied as spaces
        ("粤府2016140号", "粤府〔2016〕140号"),  # brackets lost
        ("国函200775号", "国函〔2007〕75号"),
        ("2019年国办发38号文", "国办发〔2019〕38号"),  # year first, as speech says it
        ("2016年粤府第140号", "粤府〔2016〕140号"),
        ("國辦發 2019 38號", "国办发〔2019〕38号"),
        ("国办发〔2019〕38号", "国办发〔2019〕38号"),  # what parse_docnum reads, as it reads it
        ("粤府-2016-140", "粤府〔2016〕140号"),  # parts joined by dashes (file names)
        ("国办发/2019/38号", "国办发〔2019〕38号"),
        ("粤府2016-140号", "粤府〔2016〕140号"),
        # not one number typed without brackets
        ("粤府140号", None),  # no year: parse_yearless's
        ("2016年2019年粤府140号", None),  # two years
        ("平台经济-2019-38", None),  # dashes join other things too: no issuer code
        ("2019-38", None),
        ("关于2019年工作的通知", None),
        ("2019年38号", None),
    ],
)
def test_numbers_typed_without_brackets(text: str, key: str | None) -> None:
    from index.docnumber import docnum_keys, parse_docnum, parse_typed

    dn = parse_typed(text)
    assert (dn.key if dn else None) == key
    if key is not None:
        assert docnum_keys(text) == [key]
        if "〔" not in text:
            # A document's own 文号 field is read strictly: indexing is unchanged.
            assert parse_docnum(text) is None or "年" in text


def test_a_yearless_number_asks_for_every_year_newest_first() -> None:
    from index.docnumber import FIRST_YEAR, docnum_keys, yearless_keys

    keys = yearless_keys("国办发", 38, this_year=2026)
    assert keys[0] == "国办发〔2026〕38号" and keys[-1] == f"国办发〔{FIRST_YEAR}〕38号"
    assert len(keys) == 2026 - FIRST_YEAR + 1
    assert "国办发〔2019〕38号" in docnum_keys("国办发38号")
    assert docnum_keys("国办发〔2019〕38号") == ["国办发〔2019〕38号"]
