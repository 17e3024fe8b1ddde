"""The web-load CPU cuts of issue 13, each checked against the plain computation it
replaces: Whoosh facet counts on integer codes (``count_facets``) against a Counter
per field, and the Xapian ranking's light MSet items (``mset_items``) and authority
factors (``_authorities``) against the bindings' MSetItems and a parse of each key.
"""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from index.deadline import Deadline
from index.plan import Plan
from index.ranking import DEFAULT_RANKING
from index.whoosh_ranking import count_facets


def _counter_facets(ords: list[int], facet_values: dict[str, list]) -> dict[str, dict[str, int]]:
    """The counting ``count_facets`` replaced: a Counter per field, empties dropped."""
    out = {}
    for name, values in facet_values.items():
        c = Counter(values[o] for o in ords)
        for empty in ("", None, 0):
            c.pop(empty, None)
        out[name] = {str(k): v for k, v in c.most_common()}
    return out


def test_count_facets_equals_a_counter_in_order_with_ties_and_empties() -> None:
    rng = random.Random(13)
    n = 400
    facet_values = {
        "level": [rng.choice(("法律", "行政法规", "", None, "地方性法规")) for _ in range(n)],
        "issuer": [rng.choice(("国务院", "财政部", "", "工业和信息化部")) for _ in range(n)],
        "year": [rng.choice((2019, 2020, 2021, "")) for _ in range(n)],
        "tied": [f"v{rng.randint(0, 30)}" for _ in range(n)],  # many equal counts
    }
    for _ in range(60):
        cache = SimpleNamespace(facet_values=facet_values, dates=[0] * n)
        ords = rng.sample(range(n), rng.choice((0, 1, 7, 50, 200, n)))
        want = _counter_facets(ords, facet_values)
        for form in (ords, np.asarray(ords, dtype=np.int64), iter(ords), dict.fromkeys(ords)):
            got = count_facets(form, cache, Plan([]), Deadline(60))
            assert list(got) == list(want)
            for name in want:  # same counts in the same order
                assert list(got[name].items()) == list(want[name].items())


def test_count_facets_months_of_one_year_read_an_iterator_once() -> None:
    n = 6
    cache = SimpleNamespace(
        facet_values={"year": [2021] * n},
        dates=[20210105, 20210120, 20210301, 0, 20211201, 20210310],
    )
    plan = Plan([], year_from=2021, year_to=2021)
    got = count_facets(iter(range(n)), cache, plan, Deadline(60))
    assert got["year"] == {"2021": 6}
    assert got["month"] == {"2021-01": 2, "2021-03": 2, "2021-12": 1}


def _xapian_db(tmp_path):
    xapian = pytest.importorskip("xapian")
    from index.xapian_records import S_META, SEP

    db = xapian.WritableDatabase(str(tmp_path / "db"), xapian.DB_CREATE_OR_OVERWRITE)
    levels = ("法律", "行政法规", "部门规章", "")
    regions = ("全国", "北京市", "")
    for i in range(60):
        doc = xapian.Document()
        doc.add_term("Xall")
        doc.add_term(f"Xw{i % 7}", 1 + i % 3)
        meta = SEP.join([f"doc{i:03d}", levels[i % 4], regions[i % 3], "x", "", ""])
        doc.add_value(S_META, meta)
        db.add_document(doc)
    db.commit()
    return xapian, db


def test_mset_items_read_what_msetitems_read(tmp_path) -> None:
    from index.xapian_ranking import mset_items
    from index.xapian_records import S_META

    xapian, db = _xapian_db(tmp_path)
    try:
        e = xapian.Enquire(db)
        e.set_query(xapian.Query(xapian.Query.OP_OR, [xapian.Query("Xw1"), xapian.Query("Xall")]))
        e.set_collapse_key(S_META)
        mset = e.get_mset(0, 40)
        plain = list(mset)
        light = mset_items(mset)
        assert len(light) == len(plain) == 40
        for a, b in zip(light, plain, strict=True):
            assert (a.docid, a.weight, a.collapse_key) == (b.docid, b.weight, b.collapse_key)
            assert a.document.get_value(S_META) == b.document.get_value(S_META)
        assert [(a.docid, a.weight) for a in mset_items(mset, 5)] == [
            (b.docid, b.weight) for b in plain[5:]
        ]
    finally:
        db.close()


def test_authorities_equal_the_prior_of_each_parsed_key(tmp_path) -> None:
    from index.xapian_ranking import _authorities, mset_items
    from index.xapian_records import S_META, parse_meta

    xapian, db = _xapian_db(tmp_path)
    try:
        e = xapian.Enquire(db)
        e.set_query(xapian.Query("Xall"))
        e.set_collapse_key(S_META)
        items = mset_items(e.get_mset(0, 100))
        want = []
        for it in items:
            m = parse_meta(it.collapse_key)[1]
            want.append(DEFAULT_RANKING.prior(m.get("level", ""), m.get("region", "")))
        assert _authorities(items, DEFAULT_RANKING) == want
        assert len(set(want)) > 1  # the keys differ in level and region
        empty = SimpleNamespace(collapse_key=b"")
        assert _authorities([empty], DEFAULT_RANKING) == [DEFAULT_RANKING.prior("", "")]
    finally:
        db.close()


def test_spy_terms_list_what_the_spy_values_list(tmp_path) -> None:
    from index.xapian_ranking import spy_terms
    from index.xapian_records import S_META

    xapian, db = _xapian_db(tmp_path)
    try:
        e = xapian.Enquire(db)
        e.set_query(xapian.Query("Xall"))
        spy = xapian.ValueCountMatchSpy(S_META)
        e.add_matchspy(spy)
        e.get_mset(0, 0, db.get_doccount())
        want = [item.term for item in spy.values()]
        assert len(want) == 60
        assert spy_terms(xapian, spy) == want
    finally:
        db.close()
