"""English titles -> Chinese originals: dictionary senses chosen by corpus evidence
and the title-only pool (search/senses.py, search/titles.py), on a real small index
with a CC-CEDICT-format file and a glossary written for the test."""

from __future__ import annotations

import pytest

from index import segmenter
from index.document import Document
from index.glossary import Glossary
from search.engine import Engine
from search.expand import expand
from search.senses import ranked_senses, stem_only, title_senses
from search.titles import lookup_title, parse_english_title

GLOSSARY = (
    "法\tLaw | act\tdoctype\n"
    "中华人民共和国\tPeople's Republic of China | PRC\tregion\n"
    "问责\tAccountability\tlegal\n"
    "国家\tNational | nation\tpolicy\n"
    "教育法\tEducation Law\tlegal\n"
    "一揽子\tpackage\tpolicy\n"
)
# CC-CEDICT lists 价目 and 费率 before 关税 for "tariff", and 一揽子 matches
# "packaging" through the stem "packag": the order the plain fallback takes.
CEDICT = (
    "# CC-CEDICT-format lines written for this test\n"
    "價目 价目 [jia4 mu4] /tariff/\n"
    "費率 费率 [fei4 lu:4] /tariff/\n"
    "關稅 关税 [guan1 shui4] /customs duty/tariff/\n"
    "會計 会计 [kuai4 ji4] /accounting/\n"
    "國防 国防 [guo2 fang2] /national defense/\n"
    "國家 国家 [guo2 jia1] /country/nation/\n"
    "國籍 国籍 [guo2 ji2] /nationality/\n"
    "一攬子 一揽子 [yi1 lan3 zi5] /package (deal)/\n"
    "包裝 包装 [bao1 zhuang1] /packaging/\n"
)
PRC = "中华人民共和国"
FILLER = 400


def documents() -> list[Document]:
    docs = [
        Document(id="tariff", title=PRC + "关税法", body="第一条 为了规范关税征收，制定本法。"),
        Document(id="accounting", title=PRC + "会计法", body="第一条 为了规范会计行为，制定本法。"),
        Document(id="defense", title=PRC + "国防法", body="第一条 为了建设和巩固国防，制定本法。"),
        Document(id="nationality", title=PRC + "国籍法", body="第一条 本法适用于取得国籍。"),
        Document(id="education", title=PRC + "教育法", body="第一条 为了发展教育事业，制定本法。"),
        Document(
            id="packaging", title="快递包装管理办法", body="第一条 为了规范快递包装，制定本办法。"
        ),
    ]
    docs += [
        Document(id=f"package{i}", title=f"关于实施一揽子政策措施的通知（{i}）", body="一揽子。")
        for i in range(4)
    ]
    docs += [
        Document(id=f"state{i}", title=f"关于维护国家安全的通知（{i}）", body="国家安全。")
        for i in range(4)
    ]
    # Documents that only cite the Education Law (in both languages): in a pool
    # searched over titles and text together they outrank the law whose title it is.
    docs += [
        Document(
            id=f"cite{i}",
            title=f"关于学校管理的规定（{i}）",
            body="根据《教育法》(Education Law of the People's Republic of China)，" * 3,
        )
        for i in range(70)
    ]
    # Other documents: the citations' word is rare in the text as it is in the corpus.
    docs += [
        Document(id=f"other{i}", title=f"关于做好第{i}批项目申报的通知", body="请按时申报项目。")
        for i in range(FILLER)
    ]
    return docs


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("title-senses")
    (root / "cedict.u8").write_text(CEDICT, encoding="utf-8")
    (root / "glossary.tsv").write_text(GLOSSARY, encoding="utf-8")
    g = Glossary.load(cedict=True, shipped=[root / "glossary.tsv"], cedict_path=root / "cedict.u8")
    eng = Engine(root / "index", glossary=g, create=True)
    assert not eng.backend.add_documents(documents()).problems
    yield eng
    eng.backend.close()
    segmenter.configure([])


def title_df(engine: Engine):
    return lambda w: engine.backend.doc_frequency("title", w)


def test_senses_are_those_titles_use_spelled_as_the_word_first(engine: Engine) -> None:
    g = engine.glossary
    # 价目 and 费率 (CC-CEDICT's first two) stand in no title.
    assert ranked_senses(g, "Tariff", title_df(engine)) == ["关税"]
    # 一揽子 is in more titles, but only the stem "packag" matches it.
    assert ranked_senses(g, "Packaging", title_df(engine)) == ["包装", "一揽子"]
    # "nationality" has a term of its own (index/data/stem_exceptions.tsv): Porter's
    # "nation" no longer reaches 国家.
    assert ranked_senses(g, "Nationality", title_df(engine)) == ["国籍"]


def test_a_curated_match_through_the_stem_alone(engine: Engine) -> None:
    g = engine.glossary
    assert stem_only(g, "Packaging", "一揽子")  # through "package"
    assert not stem_only(g, "Package", "一揽子")
    assert not stem_only(g, "National", "国家")


def test_words_whose_stems_collide_no_longer_match_each_other(engine: Engine) -> None:
    # Porter stems "accounting" and "accountability" alike; the stem table keeps them apart.
    assert "问责" not in [e.target for e in expand("Accounting", engine.glossary)]
    assert "问责" in [e.target for e in expand("Accountability", engine.glossary)]


def test_title_senses_replace_the_plain_fallback(engine: Engine) -> None:
    text = "Tariff Law of the People's Republic of China"
    plain = [e.target for e in expand(text, engine.glossary) if e.source == "Tariff"]
    assert plain == ["价目", "费率"]
    chosen = title_senses(text, expand(text, engine.glossary), engine.glossary, title_df(engine))
    assert [e.target for e in chosen if e.source == "Tariff"] == ["关税"]


def test_a_dictionary_phrase_beside_a_curated_word(engine: Engine) -> None:
    text = "Law on National Defense"
    exps = expand(text, engine.glossary, cedict_phrases=False)  # as the title lookup asks
    chosen = title_senses(text, exps, engine.glossary, title_df(engine))
    targets = {(e.source, e.target) for e in chosen}
    assert ("National Defense", "国防") in targets
    assert ("National", "国家") in targets  # the curated reading stays


def test_a_stem_only_match_also_gets_the_senses_titles_use(engine: Engine) -> None:
    p = parse_english_title(
        "Measures for the Administration of Express Packaging", engine.glossary, title_df(engine)
    )
    (term,) = [t for t in p.terms if t.en == "Packaging"]
    assert "包装" in term.zh


@pytest.mark.parametrize(
    ("title", "doc_id"),
    [
        ("Tariff Law of the People's Republic of China", "tariff"),
        ("Accounting Law of the People's Republic of China", "accounting"),
        ("Law of the People's Republic of China on National Defense", "defense"),
        ("Nationality Law of the People's Republic of China", "nationality"),
    ],
)
def test_lookup_finds_the_law_through_its_sense(engine: Engine, title: str, doc_id: str) -> None:
    res = lookup_title(engine, title, 10, use_title_en=False)
    assert res.candidates[0].doc.id == doc_id
    terms = [e for e in res.candidates[0].evidence if e.kind == "terms"]
    assert terms and terms[0].score == 1.0


def test_the_title_pool_finds_a_law_its_citations_crowd_out(engine: Engine) -> None:
    res = lookup_title(
        engine, "Education Law of the People's Republic of China", 10, use_title_en=False
    )
    assert res.candidates[0].doc.id == "education"
