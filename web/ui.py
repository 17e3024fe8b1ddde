"""The HTML user interface blueprint: home, search, document, titles, glossary.

Place in the flow: browser GET -> params (web/params.py) -> **ui** -> engine ->
view models (plain dicts and (text, is_match) fragments) -> Jinja templates.

Everything is server-rendered and all state lives in the query string, so
pages work without JavaScript, URLs can be shared and the back button works.
Text from documents and queries only ever reaches the page through Jinja's
autoescaping, as element content -- never through ``|safe`` and never inside
an attribute other than URLs built by ``url_for`` (which percent-encodes).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from index import segmenter
from index.errors import DuizhaoError, InputError
from index.normalize import fold_for_segmentation
from index.scripts import has_han
from index.structure import HEADING_RE
from search.engine import FILTER_NAMES, SearchRequest, highlight_terms
from search.expand import expand
from search.mentions import MAX_TEXT_CHARS
from search.planning import build_plan
from search.query import MAX_QUERY_CHARS, parse_query
from search.related import related_documents as related
from search.snippets import highlight
from web.api import (
    MAX_TITLE_Q,
    get_document_or_404,
    glossary_categories,
    glossary_search,
    mentions_report,
    title_lookup,
)
from web.baseurl import public_url
from web.params import (
    SEARCH_PARAMS,
    check_raw_request,
    int_param,
    known_args,
    search_request,
    str_param,
)
from web.state import state

bp = Blueprint("ui", __name__)

UI_PER_PAGE = 20
FACET_ORDER = ("level", "issuer", "region", "year", "lang", "status")
FACET_LABELS = {
    "level": "层级 Level",
    "issuer": "发布机关 Issuer",
    "region": "地区 Region",
    "year": "年份 Year",
    "lang": "语言 Language",
    "status": "效力 Validity",
    "doctype": "类型 Type",
    "source": "来源 Collection",
}
FACET_VALUES_SHOWN = 8
SORT_LABELS = {"relevance": "Relevance 相关度", "date": "Newest 最新", "date_asc": "Oldest 最早"}
LANG_NAMES = {"zh": "中文 Chinese", "en": "English"}
MAX_BODY_HIGHLIGHT = 400_000  # characters of a body whose matches are marked


def lang_of(text: str) -> str:
    return "zh" if has_han(text or "") else "en"


# --- URLs: the query string is the state ------------------------------------------------


def search_url(
    args: MultiDict,
    *,
    set_: dict[str, str | None] | None = None,
    add: tuple[str, str] | None = None,
    drop: tuple[str, str] | None = None,
    keep_page: bool = False,
) -> str:
    """The current search with one change. Any change but paging goes back to page 1."""
    items = [(k, v) for k, v in args.items(multi=True) if keep_page or k != "page"]
    if set_:
        items = [(k, v) for k, v in items if k not in set_]
        items += [(k, v) for k, v in set_.items() if v not in (None, "")]
    if drop:
        items = [(k, v) for k, v in items if (k, v) != drop]
    if add and add not in items:
        items.append(add)
    return url_for("ui.search") + ("?" + urlencode(items) if items else "")


def doc_url(doc_id: str, q: str = "", anchor: str = "") -> str:
    url = url_for("ui.document", doc_id=doc_id, **({"q": q} if q else {}))
    return url + (f"#{anchor}" if anchor else "")


def passage_anchors(doc: Any) -> list[str]:
    """One element id per passage: ``art-N`` for the first article numbered N, else ``p-I``."""
    out: list[str] = []
    used: set[str] = set()
    for i, p in enumerate(doc.passages):
        a = f"art-{p.number}" if p.number is not None else f"p-{i}"
        if a in used:
            a = f"p-{i}"
        used.add(a)
        out.append(a)
    return out


def _passage_index(doc: Any, passage: Any) -> int:
    for i, p in enumerate(doc.passages):
        if p is passage or (p.start == passage.start and p.end == passage.end):
            return i
    return -1


def title_en_view(doc: Any, frags: list | None = None) -> dict[str, Any] | None:
    if not doc.titles_en:
        return None
    t = doc.titles_en[0]
    return {
        "frags": frags or [(t.text, False)],
        "source": t.source,
        "attested": t.attested,
    }


NOT_RECORDED = "not recorded 未记录"


def issuer_label(value: str) -> str:
    """An issuer with the other language beside it: "国务院办公厅 · General Office of the
    State Council" (the stored value stays the filter value; see index/issuers.py)."""
    return state().get_engine().issuer_names().label(value) if value else value


def meta_rows(doc: Any, *, full: bool = False) -> list[tuple[str, str, str]]:
    """(label, value, lang) rows of the metadata worth showing. ``full`` (the document
    page): validity is shown even when the data has none, as "not recorded"."""
    status = doc.status if doc.status != "未知" else (NOT_RECORDED if full else "")
    rows = [
        ("层级 Level", doc.level, "zh"),
        ("发布机关 Issuer", issuer_label(doc.issuer), "zh"),
        ("地区 Region", doc.region, "zh"),
        ("文号 No.", doc.docnum, "zh"),
        ("日期 Date", doc.date or "", "en"),
        ("效力 Validity", status, "en" if status == NOT_RECORDED else "zh"),
    ]
    return [(k, v, lang_of(v) if lang == "zh" else lang) for k, v, lang in rows if v]


def hit_view(hit: Any, q: str) -> dict[str, Any]:
    doc = hit.doc
    passage = None
    anchor = ""
    if hit.passage is not None and (hit.passage.number is not None or hit.passage.chapter):
        i = _passage_index(doc, hit.passage)
        if i >= 0:
            anchor = passage_anchors(doc)[i]
            passage = {
                "label": hit.passage.label,
                "chapter": hit.passage.chapter,
                "url": doc_url(doc.id, q, anchor),
            }
    title = hit.title or [(doc.display_title, False)]
    return {
        "id": doc.id,
        "url": doc_url(doc.id, q),
        "title": title,
        "title_lang": lang_of(doc.display_title),
        # A law held as several records titled alike (民法典: 总则, 物权编 ...) is told
        # apart by the part each holds.
        "subtitle": doc.subtitle,
        "title_en": title_en_view(doc, hit.title_en) if doc.title else None,
        "meta": meta_rows(doc),
        "passage": passage,
        "snippet": hit.snippet,
        "snippet_lang": doc.lang,
    }


def facet_views(resp: Any, req: SearchRequest, args: MultiDict) -> list[dict[str, Any]]:
    out = []
    for name in FACET_ORDER:
        counts = resp.facets.get(name) or {}
        if not counts:
            continue
        active = set(req.filters.get(name, ())) if name != "year" else {req.year or ""}
        values = []
        items = list(counts.items())
        if name == "year":
            items.sort(key=lambda kv: kv[0], reverse=True)
        for value, n in items[:FACET_VALUES_SHOWN]:
            on = value in active
            if name == "year":
                url = search_url(args, set_={"year": None if on else value})
            elif on:
                url = search_url(args, drop=(name, value))
            else:
                url = search_url(args, add=(name, value))
            if name == "lang":
                label = LANG_NAMES.get(value, value)
            else:
                label = resp.facet_labels.get(name, {}).get(value, value)
            values.append(
                {
                    "value": label,
                    "count": n,
                    "url": url,
                    "on": on,
                    "lang": lang_of(label if name == "issuer" else value),
                }
            )
        out.append({"name": name, "label": FACET_LABELS.get(name, name), "vals": values})
    return out


def active_filters(req: SearchRequest, args: MultiDict) -> list[dict[str, str]]:
    out = []
    for name in FILTER_NAMES:
        for v in req.filters.get(name, ()):
            out.append(
                {
                    "label": FACET_LABELS.get(name, name),
                    "value": issuer_label(v) if name == "issuer" else v,
                    "url": search_url(args, drop=(name, v)),
                }
            )
    if req.year:
        out.append(
            {
                "label": FACET_LABELS["year"],
                "value": req.year,
                "url": search_url(args, set_={"year": None}),
            }
        )
    return out


def pagination(page: int, pages: int, args: MultiDict) -> list[dict[str, Any]]:
    if pages <= 1:
        return []
    nums = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[dict[str, Any]] = []
    if page > 1:
        out.append(
            {
                "label": "‹ Prev",
                "url": search_url(args, set_={"page": str(page - 1)}),
                "rel": "prev",
            }
        )
    prev = 0
    for n in nums:
        if n - prev > 1:
            out.append({"label": "…", "url": None})
        out.append(
            {
                "label": str(n),
                "url": None if n == page else search_url(args, set_={"page": str(n)}),
                "current": n == page,
            }
        )
        prev = n
    if page < pages:
        out.append(
            {
                "label": "Next ›",
                "url": search_url(args, set_={"page": str(page + 1)}),
                "rel": "next",
            }
        )
    return out


# --- pages ------------------------------------------------------------------------


def page_args(known: tuple[str, ...] | frozenset[str]) -> MultiDict:
    """The request's arguments with known names only. Shared links pick up tracking and
    other parameters (utm_*, fbclid, WeChat's from=...): a page ignores them, and links
    built from its arguments (facets, paging) do not carry them on."""
    return known_args(request.args, known)[0]


@bp.app_context_processor
def _search_box() -> dict[str, Any]:
    """The search box keeps the request's q on every page, error pages included."""

    def box_q() -> str:
        try:
            # Undecodable or NUL input was refused with a 400: do not echo it back.
            check_raw_request(request.query_string, request.environ.get("PATH_INFO", ""))
        except InputError:
            return ""
        return request.args.get("q", "")[:MAX_QUERY_CHARS]

    return {"box_q": box_q, "max_q": MAX_QUERY_CHARS}


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/")
def home() -> ResponseReturnValue:
    args = page_args(SEARCH_PARAMS)
    if args.get("q"):
        return redirect(search_url(args, keep_page=True))
    st = state()
    try:
        count = st.doc_count()
        problem = None
    except DuizhaoError as e:
        count, problem = 0, e
    return render_template("home.html", count=count, problem=problem)


@bp.get("/search")
def search() -> ResponseReturnValue:
    args = page_args(SEARCH_PARAMS)
    req = search_request(args, facets_default=True, per_page_default=UI_PER_PAGE)
    if not req.q.strip() and not req.filters and not req.year:
        return redirect(url_for("ui.home"))
    resp = state().get_engine().search(req)
    removed = [
        {"target": t, "url": search_url(args, drop=("rm", t))} for t in req.removed_expansions
    ]
    expansions = [
        {
            "source": e.source,
            "target": e.target,
            "target_lang": lang_of(e.target),
            "origin": e.origin,
            "url": search_url(args, add=("rm", e.target)),
        }
        for e in resp.expansions
    ]
    return render_template(
        "search.html",
        q=req.q,
        req=req,
        resp=resp,
        hits=[hit_view(h, req.q) for h in resp.hits],
        facets=facet_views(resp, req, args),
        active=active_filters(req, args),
        expansions=expansions,
        removed=removed,
        no_expand_url=search_url(args, set_={"expand": "0"}) if req.expand and expansions else None,
        expand_url=search_url(args, set_={"expand": None}) if not req.expand else None,
        sorts=[
            {
                "label": label,
                "url": search_url(args, set_={"sort": None if s == "relevance" else s}),
                "on": s == req.sort,
            }
            for s, label in SORT_LABELS.items()
        ],
        pages=pagination(req.page, resp.pages, args),
        did_you_mean={
            "q": resp.did_you_mean,
            "url": search_url(args, set_={"q": resp.did_you_mean}),
        }
        if resp.did_you_mean
        else None,
        first=(req.page - 1) * req.per_page + 1,
        last=(req.page - 1) * req.per_page + len(resp.hits),
    )


# --- the document page --------------------------------------------------------------


def highlight_words(q: str) -> tuple[set[str], list[tuple[str, ...]]]:
    """The words a search for ``q`` matched, to mark in the document (empty on bad q)."""
    if not q.strip():
        return set(), []

    engine = state().get_engine()
    try:
        pq = parse_query(q)
        expansions = []
        if engine.glossary is not None and pq.positive_units:
            expansions = list(expand(pq.expansion_text, engine.glossary))
        plan = build_plan(pq, expansions, SearchRequest(q=q))
    except DuizhaoError:
        return set(), []
    return highlight_terms(plan)


def body_blocks(doc: Any, q: str) -> list[dict[str, Any]]:
    """The body as headings and paragraphs, with passage anchors and marked matches."""

    words, phrases = highlight_words(q)
    mark = bool(words or phrases) and len(doc.body) <= MAX_BODY_HIGHLIGHT
    anchors = passage_anchors(doc)
    starts = sorted((p.start, anchors[i]) for i, p in enumerate(doc.passages))
    blocks: list[dict[str, Any]] = []
    pos = 0
    k = 0
    for line in doc.body.split("\n"):
        end = pos + len(line)
        ids = []
        while k < len(starts) and starts[k][0] <= end:
            ids.append(starts[k][1])
            k += 1
        text = line.strip()
        if text:
            heading = len(text) < 60 and HEADING_RE.match(text)
            if heading:
                text = text.lstrip("#").strip()
            frags = highlight(text, words, phrases) if mark else [(text, False)]
            blocks.append({"kind": "h" if heading else "p", "frags": frags, "ids": ids})
        elif ids and blocks:
            blocks[-1]["ids"].extend(ids)
        pos = end + 1
    return blocks


def glossary_terms(doc: Any, limit: int = 30) -> list[Any]:
    """Curated/user glossary terms found in the title and the start of the body."""
    g = state().glossary
    if g is None:
        return []

    text = fold_for_segmentation(doc.title + "\n" + doc.body[:6000])
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, w in enumerate(segmenter.cut(text)):
        if len(w) >= 2 and has_han(w):
            counts[w] += 1
            first.setdefault(w, i)
    found = []
    # Longer terms are the specific ones (数据分类分级 over 数据): weigh by length.
    for w in sorted(counts, key=lambda w: (-counts[w] * len(w), first[w])):
        e = g.zh_entry(w)
        if e is not None and e.category != "general":
            found.append(e)
        if len(found) >= limit:
            break
    return found


def related_documents(doc: Any, limit: int = 5) -> list[dict[str, Any]]:
    """Documents on the same topic by title, same issuer first (search/related.py)."""

    if not doc.title:
        return []
    out = []
    for other, _score in related(state().get_engine(), doc, limit):
        out.append(
            {
                "url": doc_url(other.id),
                "title": other.display_title,
                "lang": lang_of(other.display_title),
                "meta": " · ".join(x for x in (other.level, other.issuer, other.date or "") if x),
            }
        )
    return out


def safe_url(url: str) -> str:
    """Only http(s) links from documents: a ``javascript:`` URL in the data must stay text."""
    return url if re.match(r"^https?://[^\s\"'<>]+$", url or "") else ""


def citation(doc: Any) -> str:
    parts = []
    if doc.title:
        parts.append(f"《{doc.title}》")
    if doc.titles_en:
        t = doc.titles_en[0]
        parts.append(t.text + ("" if t.attested else " [draft translation]"))
    parts += [x for x in (doc.issuer, doc.docnum, doc.date) if x]
    parts.append(safe_url(doc.url) or public_url(url_for("ui.document", doc_id=doc.id)))
    return ", ".join(parts)


@bp.get("/doc/<doc_id>")
def document(doc_id: str) -> ResponseReturnValue:
    q = str_param(page_args(("q",)), "q", MAX_QUERY_CHARS)
    doc = get_document_or_404(doc_id)
    anchors = passage_anchors(doc)
    toc = [
        {"label": p.label, "anchor": anchors[i], "chapter": p.chapter}
        for i, p in enumerate(doc.passages)
        if p.number is not None
    ]
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        title_lang=lang_of(doc.display_title),
        title_en=title_en_view(doc) if doc.title else None,
        other_titles=doc.titles_en[1:],
        meta=meta_rows(doc, full=True),
        title_only=not doc.body.strip(),
        source_host=urlsplit(safe_url(doc.url)).hostname or "",
        blocks=body_blocks(doc, q),
        toc=toc,
        terms=glossary_terms(doc),
        related=related_documents(doc),
        citation=citation(doc),
        source_url=safe_url(doc.url),
        back_url=url_for("ui.search", q=q) if q else None,
    )


# --- title lookup and glossary pages ------------------------------------------------


@bp.get("/titles")
def titles() -> ResponseReturnValue:
    q = str_param(page_args(("q",)), "q", MAX_TITLE_Q).strip()
    result = None
    if q:
        result = title_lookup(q, 10).to_dict()
    return render_template("titles.html", q=q, result=result, lang_of=lang_of)


MENTION_KINDS = {"en_title": "English title", "zh_title": "Chinese title", "docnum": "文号 No."}


@bp.route("/mentions", methods=["GET", "POST"])
def mentions() -> ResponseReturnValue:
    """Paste an article, see the documents it names (``duizhao mentions`` in the browser).
    The form posts (articles are longer than a query string); ``?text=`` works too."""

    if request.method == "POST":
        text = str_param(request.form, "text", MAX_TEXT_CHARS)
    else:
        text = str_param(page_args(("text",)), "text", MAX_TEXT_CHARS)
    report = mentions_report(text) if text.strip() else None
    return render_template(
        "mentions.html",
        text=text,
        report=report,
        max_chars=MAX_TEXT_CHARS,
        kinds=MENTION_KINDS,
        lang_of=lang_of,
    )


@bp.get("/glossary")
def glossary() -> ResponseReturnValue:
    args = page_args(("q", "category", "page"))
    q = str_param(args, "q", 100).strip()
    category = str_param(args, "category", 40)
    page = int_param(args, "page", 1, 1, 1_000_000)
    per_page = 50
    found = glossary_search(q, category)
    pages = max(1, -(-len(found) // per_page))
    if page > pages:
        raise InputError(f"page {page} is beyond the last page ({pages})")

    def url(**kw: Any) -> str:
        params = {"q": q, "category": category, **kw}
        return url_for("ui.glossary", **{k: v for k, v in params.items() if v})

    return render_template(
        "glossary.html",
        q=q,
        category=category,
        entries=found[(page - 1) * per_page : page * per_page],
        total=len(found),
        page=page,
        prev_url=url(page=page - 1) if page > 1 else None,
        next_url=url(page=page + 1) if page < pages else None,
        pages=pages,
        categories=[
            {"name": c, "count": n, "url": url(category=c, page=None), "on": c == category}
            for c, n in glossary_categories().items()
        ],
        all_url=url(category=None, page=None),
    )
