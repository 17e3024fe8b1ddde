"""The relevance suite asked as people paste and type it, tune half by default:
``python benchmarks/paste_probe.py [--index DIR] [--half tune] [--forms A,B] [--misses]
[--draw N]``.

Place in the flow: reads the suite's sets (``search.eval_suite``: fixed seeds, fixed
halves) and asks each item again in other written forms -- a title copied with its 。,
in quotation marks, cited from 关于 on without its issuer, a topic with 政策 (an English
one with policy) after it, an English title in quotes or with en dashes -- through the
search box (the engine, as ``duizhao eval --suite`` asks it) or the title lookup
(``lookup_title``, own English titles unused, as the suite's lookup set). Prints, per
form and set, how many items the form changes and the suite's metrics for them;
``plain`` is the set as the suite asks it. Nothing is asserted (the rules these forms
led to have tests of their own).

The forms are for finding what a rule misses, so its figures are tuned on: run it on
the tune half (the default); a report-half figure is a result only for a form no rule
was written from.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from statistics import mean

from bench_index import add_index_option, checked_index  # puts the checkout on sys.path

from index.config import shared_data_dir
from index.errors import DuizhaoError
from index.glossary import load_glossary
from search import eval_suite as es
from search.engine import Engine
from search.planning import SearchRequest
from search.titles import lookup_title

_ISSUER_AND_ABOUT = re.compile(r"^.{1,40}?(?=关于)")


def _no_issuer(q: str) -> str:
    return _ISSUER_AND_ABOUT.sub("", q, count=1)


def _pinyin(q: str) -> str:
    """A topic typed in pinyin, a word's syllables together (pingtai jingji)."""
    from pypinyin import lazy_pinyin

    from index import segmenter

    return " ".join("".join(lazy_pinyin(w)) for w in segmenter.cut(q))


def _spaced_words(q: str) -> str:
    """A topic typed as its words with spaces between (新能源 汽车): the subwords the
    index splits a long word into."""
    from index import segmenter

    ends: dict[int, int] = {}
    for _w, start, end in segmenter.subwords(q) if len(q) > 2 else []:
        ends[start] = max(ends.get(start, 0), end)
    cut, pos = [], 0
    while pos < len(q) and pos in ends:
        cut.append(q[pos : ends[pos]])
        pos = ends[pos]
    return " ".join(cut) if pos == len(q) and len(cut) > 1 else q


_S2T = None


def _traditional(q: str) -> str:
    """The query in traditional characters, as a Hong Kong or Taiwan source writes it."""
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(q)


_ISSUED = re.compile(r"关于(?:印发|发布|转发)《(.+?)》的(?:通知|通告|公告)$")


def _inner_title(q: str) -> str:
    """The document a 关于印发《…》的通知 issues, cited by its own name (as news does)."""
    m = _ISSUED.search(q)
    return m.group(1) if m else q


def _space_before_about(q: str) -> str:
    """The issuer set apart from the title by a space (two lines of a letterhead pasted)."""
    i = q.find("关于")
    return q[:i] + " " + q[i:] if i > 0 else q


def _line_break(q: str) -> str:
    """A title copied across a PDF line break: a newline in the middle of a word."""
    return q[: len(q) // 2] + "\n" + q[len(q) // 2 :] if len(q) >= 8 else q


_VERSION = "（2018年修正）"

# American -> British spellings (Reuters, the FT and the SCMP write British).
_BRITISH = [
    (re.compile(r"(?<=[a-z]{3})iz(?=(?:e|es|ed|ing|ation|ations)\b)"), "is"),
    (re.compile(r"(?<=[a-z])yz(?=(?:e|es|ed|ing)\b)"), "ys"),
    (re.compile(r"\b([Cc])enter(s?)\b"), r"\1entre\2"),
    (re.compile(r"\b([Pp])rogram(s?)\b"), r"\1rogramme\2"),
    (re.compile(r"\b([Ll])abor\b"), r"\1abour"),
    (re.compile(r"\b([Dd])efense\b"), r"\1efence"),
    (re.compile(r"\b([Ff])iber\b"), r"\1ibre"),
    (re.compile(r"\b([Bb])ehavior(s?)\b"), r"\1ehaviour\2"),
    (re.compile(r"\b([Hh])arbor(s?)\b"), r"\1arbour\2"),
]


def _british(q: str) -> str:
    for pattern, repl in _BRITISH:
        q = pattern.sub(repl, q)
    return q


_EN_ISSUING = re.compile(
    r"^Notice (?:of|from) .+? on (?:Issuing|Printing and Distributing|Forwarding) (?:the )?", re.I
)


def _inner_en(q: str) -> str:
    """The document a "Notice of ... on Issuing the ..." issues, named as news names it."""
    return _EN_ISSUING.sub("", q, count=1)


_DE_BEFORE_KIND = re.compile(r"的(?=(?:通知|意见|指导意见|实施意见|决定|批复|函|通告|公告)$)")


_CORE = re.compile(
    r"^(?:.{0,40}?关于)?(?:印发|转发)?(?P<core>.{4,}?)的?(?:通知|意见|指导意见|实施意见|决定|批复|函|通告|公告)$"
)


def _core(q: str) -> str:
    """The subject alone, as a headline names it: 关于促进平台经济规范健康发展的指导意见 ->
    促进平台经济规范健康发展 (no issuer, 关于 or document type)."""
    m = _CORE.match(q)
    return m.group("core").strip("《》") if m and "《" not in m.group("core")[1:-1] else q


_BRACKETED_NUMBER = re.compile(
    r"^(?P<code>[^\d\s〔\[(（【]+)\s*[〔\[(（【](?P<y>\d{4})[〕\])）】]\s*第?(?P<n>\d+)号$"
)


def _dashed(q: str) -> str:
    """A 文号 with its parts joined by dashes, as file names give it: 粤府〔2016〕140号 ->
    粤府-2016-140 (an English form is left as it is)."""
    m = _BRACKETED_NUMBER.match(q)
    return f"{m.group('code')}-{m.group('y')}-{m.group('n')}" if m else q


# form -> (the sets it applies to, how it rewrites a query)
FORMS: dict[str, tuple[tuple[str, ...], Callable[[str], str]]] = {
    "plain": (
        ("title_law", "title_policy", "law_short", "topic_zh", "topic_en", "docnum", "en_title"),
        lambda q: q,
    ),
    "period": (("title_law", "title_policy", "law_short"), lambda q: q + "。"),
    "ascii_quotes": (("title_law", "title_policy", "law_short", "en_title"), lambda q: f'"{q}"'),
    "curly_quotes": (("title_law", "law_short", "en_title"), lambda q: f"\u201c{q}\u201d"),
    "book_marks": (("title_policy", "law_short", "topic_zh"), lambda q: f"《{q}》"),
    "no_issuer": (("title_policy",), _no_issuer),
    "plus_policy": (("law_short", "topic_zh"), lambda q: q + " 政策"),
    "plus_policy_en": (("topic_en",), lambda q: q + " policy"),
    "plus_provisions": (("topic_zh",), lambda q: q + " 相关规定"),
    "plus_laws": (("topic_zh",), lambda q: q + " 法律法规"),
    "china_en": (("topic_en",), lambda q: "China " + q),
    "plus_regulations_en": (("topic_en",), lambda q: q + " regulations"),
    "plus_rules_en": (("topic_en",), lambda q: q + " rules"),
    "plus_measures_en": (("topic_en",), lambda q: q + " measures"),
    "plus_guidelines_en": (("topic_en",), lambda q: q + " guidelines"),
    "plus_plan_en": (("topic_en",), lambda q: q + " action plan"),
    "china_zh": (("topic_zh",), lambda q: "中国 " + q),
    # Filters and exclusions typed among the words (the query language's field:value, -word).
    "filter_in_force": (
        ("title_law", "law_short", "topic_zh", "topic_en"),
        lambda q: q + " status:现行有效",
    ),
    "filter_years": (("title_policy", "topic_zh", "topic_en"), lambda q: q + " year:2015..2025"),
    "exclude_zh": (("title_policy", "topic_zh"), lambda q: q + " -废止"),
    "plus_full_text": (("title_law", "title_policy", "law_short"), lambda q: q + " 全文"),
    "spaced_words": (("topic_zh",), _spaced_words),
    "en_dash": (("en_title",), lambda q: q.replace("-", "\u2013")),
    "lower": (("en_title",), str.lower),
    "traditional": (("title_law", "title_policy", "law_short", "topic_zh", "docnum"), _traditional),
    "inner_title": (("title_policy",), _inner_title),
    "space_before_about": (("title_policy",), _space_before_about),
    "line_break": (("title_law", "title_policy"), _line_break),
    "law_book_marks": (("title_law",), lambda q: f"《{q}》"),
    "law_version": (("title_law", "law_short"), lambda q: q + _VERSION),
    "british": (("topic_en", "en_title"), _british),
    "inner_en": (("en_title",), _inner_en),
    "no_year": (("en_title",), lambda q: re.sub(r"\s*\((?:\d{4}\s*-\s*)?\d{4}[^)]*\)", "", q)),
    "no_inner_quotes": (("title_law", "title_policy"), lambda q: re.sub("[“”‘’\"']", "", q)),
    "ascii_dash": (("title_law", "title_policy"), lambda q: re.sub("[—–－~～]+", "-", q)),
    "drop_de": (("title_policy",), lambda q: _DE_BEFORE_KIND.sub("", q)),
    "core": (("title_policy",), _core),
    # The date a government site prints after the title, copied with it.
    "plus_date": (("title_law", "title_policy"), lambda q: q + " 2021年6月10日"),
    # A browser tab's title: the page title and the site's name.
    "site_suffix": (("title_law", "title_policy"), lambda q: q + "_中国政府网"),
    "site_dash": (("title_policy",), lambda q: q + " - 上海市人民政府"),
    "en_plus_date": (("en_title",), lambda q: q + " (June 10, 2021)"),
    # The title inside the news sentence that names it, as copied with it.
    "en_issued": (("en_title",), lambda q: f"The government issued the {q} on Tuesday."),
    "en_according": (("en_title",), lambda q: f"according to the {q}"),
    "en_site_gov": (
        ("en_title",),
        lambda q: f"{q} - The State Council of the People's Republic of China",
    ),
    "en_site_bar": (("en_title",), lambda q: f"{q} | english.gov.cn"),
    "issuer_zh": (("topic_zh",), lambda q: "国务院 " + q),
    "issuer_en": (("topic_en",), lambda q: "State Council " + q),
    "en_title_case": (("topic_en",), str.title),
    "en_unveiled": (
        ("en_title",),
        lambda q: f"Officials on Friday unveiled the {q}, which takes effect next month.",
    ),
    "en_released": (("en_title",), lambda q: f"{q} was released by the ministry last week"),
    "dashed": (("docnum",), _dashed),
}
# Forms that need the item, not only its query: a topic typed in both languages.
ITEM_FORMS: dict[str, tuple[tuple[str, ...], Callable[[es.Item], str]]] = {
    "bilingual_en_zh": (("topic_en",), lambda i: f"{i.query} {i.answer['term']}"),
    "bilingual_zh_en": (("topic_en",), lambda i: f"{i.answer['term']} {i.query}"),
    "pinyin": (("topic_zh",), lambda i: _pinyin(i.query)),
}


def _box(engine: Engine, item: es.Item, q: str) -> dict[str, float]:
    fields = es.KNOWN_ITEM_FIELDS if item.set == "en_title" else None
    try:
        hits = engine.search(SearchRequest(q=q, per_page=10, fields=fields)).hits
    except DuizhaoError:
        hits = []
    got = es.judge(item, hits)
    # A query that is itself some document's exact title is answered by that document too
    # (the inner title of a 关于印发《…》的通知 may be indexed as a document of its own).
    if (
        "first" in got
        and not got["first"]
        and hits
        and es.compact(hits[0].doc.title) == es.compact(q)
    ):
        got["first"] = 1.0
    return got


def _lookup(engine: Engine, item: es.Item, q: str) -> dict[str, float]:
    try:
        ids = [c.doc.id for c in lookup_title(engine, q, 10, use_title_en=False).candidates]
    except DuizhaoError:
        ids = []
    want = item.answer["id"]
    return {"first": float(ids[:1] == [want]), "top10": float(want in ids)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_index_option(ap)
    ap.add_argument("--half", choices=("tune", "report"), default="tune")
    ap.add_argument("--forms", help="comma-separated forms (default: all)", default="")
    ap.add_argument("--misses", action="store_true", help="print the queries a form misses")
    ap.add_argument(
        "--draw",
        type=int,
        default=0,
        help="a fresh draw of the suite's corpus sets (duizhao eval --suite --draw N): items "
        "no rule was written from, on both halves until its tune half is looked at",
    )
    args = ap.parse_args()
    glossary = load_glossary()
    engine = Engine(checked_index(args.index), glossary=glossary)
    items = es.build_items(shared_data_dir(), glossary, args.draw)
    items = [i for i in items if i.half == args.half]
    # Warm the process (the first searches of a cold one may be cut short by their budget).
    for item in items[:20]:
        _box(engine, item, item.query)
    forms = [f for f in args.forms.split(",") if f] or [*FORMS, *ITEM_FORMS]
    print(
        f"half: {args.half} ({'tuned on' if args.half == 'tune' else 'report'})"
        + (f", draw {args.draw}" if args.draw else "")
    )
    print(f"{'form':14} {'set':18} {'asked':>5}  metrics")
    for form in forms:
        sets, rewrite = FORMS[form] if form in FORMS else ITEM_FORMS[form]
        for name in sets:
            for ask in (_box, _lookup) if name == "en_title" else (_box,):
                label = name + (" (lookup)" if ask is _lookup else "")
                scores, missed = [], []
                for item in (i for i in items if i.set == name):
                    q = rewrite(item) if form in ITEM_FORMS else rewrite(item.query)
                    if q == item.query and form != "plain":
                        continue
                    got = ask(engine, item, q)
                    scores.append(got)
                    if not got.get("first", 1.0):
                        missed.append(q)
                if not scores:
                    continue
                keys = list(scores[0])
                figures = "  ".join(f"{k} {mean(s[k] for s in scores):.3f}" for k in keys)
                print(f"{form:14} {label:18} {len(scores):>5}  {figures}")
                if args.misses:
                    for q in missed:
                        print(f"{'':34}miss: {q}")
    engine.backend.close()


if __name__ == "__main__":
    sys.exit(main())
