"""The OpenAPI 3.1 description of the REST API (``/api/v1/openapi.json``).

Place in the flow: written by hand beside web/api.py and checked against the
running endpoints by schemathesis (tests/test_web_schemathesis.py), so it
says what the endpoints really do: the same parameter names, limits and
response shapes, and the one error shape for every 4xx/5xx.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from index.errors import DuizhaoError
from search.engine import FILTER_NAMES, MAX_PER_PAGE, MAX_RESULT_WINDOW, SORTS
from search.intent import LABELS as INTENT_LABELS
from search.mentions import MAX_TEXT_CHARS as MAX_MENTION_CHARS
from search.query import MAX_QUERY_CHARS
from web.state import state

API_VERSION = "1.0.0"
MAX_Q = MAX_QUERY_CHARS  # characters of q the API accepts: the engine's own limit
MAX_TITLE_Q = MAX_QUERY_CHARS
EXPORT_MAX = 50_000  # results an export or a cursor reaches (web/exports.py, web/cursor.py)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_responses(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad input: a parameter is missing, malformed or out of range.",
        404: "No such document.",
        413: "The request body is over 64 KB.",
        503: "The index (or the feature) is not available: missing, busy, corrupt or outdated.",
        429: "Too many requests from this client address (a per-address limit shared by "
        "every server process); retry after the seconds in Retry-After.",
        500: "An unexpected server error; the body says nothing about its cause.",
    }
    out = {
        str(c): {
            "description": text[c],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for c in (*codes, 429, 500)
    }
    out["429"]["headers"] = {
        "Retry-After": {"description": "Whole seconds to wait.", "schema": {"type": "integer"}}
    }
    return out


def _q(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


_FRAGMENTS = {
    "type": "array",
    "description": "Text split into pieces; `match` marks the query's words. Never HTML.",
    "items": {
        "type": "object",
        "required": ["text", "match"],
        "properties": {"text": {"type": "string"}, "match": {"type": "boolean"}},
    },
}
_NULLABLE_STR = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "string", "examples": ["invalid_query"]},
                    "message": {"type": "string"},
                    "hint": {"type": "string"},
                    "status": {"type": "integer"},
                },
            }
        },
    },
    "Warning": {
        "type": "object",
        "description": "A request parameter that was ignored. Tracking parameters added by "
        "sharing (utm_*, fbclid, gclid ...) are ignored without a warning.",
        "required": ["code", "parameter", "message"],
        "properties": {
            "code": {"type": "string", "enum": ["unknown_parameter"]},
            "parameter": {"type": "string"},
            "message": {"type": "string"},
            "hint": {"type": "string", "examples": ["did you mean 'level'?"]},
        },
    },
    "Suggestions": {
        "type": "object",
        "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "other", "kind"],
                    "properties": {
                        "text": {"type": "string"},
                        "other": {
                            "type": "string",
                            "description": "glossary: the other language; title: the id",
                        },
                        "kind": {"type": "string", "enum": ["glossary", "title"]},
                    },
                },
            },
            "warnings": {"type": "array", "items": _ref("Warning")},
        },
    },
    "MentionReport": {
        "type": "object",
        "required": ["message", "mentions"],
        "properties": {
            "message": {"type": "string"},
            "mentions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "kind", "message", "candidates", "exact_match"],
                    "properties": {
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": ["en_title", "zh_title", "docnum"]},
                        "span": {"type": "array", "items": {"type": "integer"}},
                        "en": {"type": "string"},
                        "zh": {"type": "string"},
                        "region_context": _NULLABLE_STR,
                        "confidence": {"type": "number"},
                        "exact_match": {"type": "boolean"},
                        "counterpart": {"type": "object"},
                        "message": {"type": "string"},
                        "candidates": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "warnings": {"type": "array", "items": _ref("Warning")},
        },
    },
    "EnglishTitle": {
        "type": "object",
        "required": ["text", "source", "attested"],
        "properties": {
            "text": {"type": "string"},
            "source": {"type": "string"},
            "attested": {
                "type": "boolean",
                "description": "true: given by a source; false: a machine draft",
            },
        },
    },
    "Passage": {
        "type": "object",
        "required": ["label", "number", "chapter", "start", "end"],
        "properties": {
            "label": {"type": "string", "examples": ["第十二条"]},
            "number": {"type": ["integer", "null"]},
            "chapter": {"type": "string"},
            "start": {"type": "integer"},
            "end": {"type": "integer"},
        },
    },
    "Hit": {
        "type": "object",
        "required": ["id", "title", "titles_en", "level", "date", "snippet", "best_passage"],
        "properties": {
            "id": {"type": "string"},
            "score": {"type": ["number", "null"]},
            "title": {"type": "string"},
            "subtitle": {
                "type": "string",
                "description": "the part of a law a record holds (民法典: 总则, 物权编 ...)",
            },
            "titles_en": {"type": "array", "items": _ref("EnglishTitle")},
            "level": {"type": "string"},
            "doctype": {"type": "string"},
            "issuer": {"type": "string"},
            "region": {"type": "string"},
            "docnum": {"type": "string"},
            "date": _NULLABLE_STR,
            "status": {"type": "string"},
            "lang": {"type": "string"},
            "source": {"type": "string"},
            "url": {"type": "string"},
            "best_passage": {"oneOf": [_ref("Passage"), {"type": "null"}]},
            "snippet": _FRAGMENTS,
            "title_highlight": _FRAGMENTS,
            "explain": {"type": "object", "additionalProperties": {"type": "number"}},
        },
    },
    "Expansion": {
        "type": "object",
        "required": ["source", "target", "weight", "origin"],
        "properties": {
            "source": {"type": "string"},
            "target": {"type": "string"},
            "target_lang": {"type": "string"},
            "weight": {"type": "number"},
            "origin": {"type": "string"},
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "pages", "hits", "facets"],
        "properties": {
            "query": {"type": "string"},
            "normalized_query": {"type": "string"},
            "traditional_converted": {"type": "boolean"},
            "mode": {"type": "string", "enum": ["all", "any"]},
            "intent": {
                "type": "object",
                "description": "what kind of query this was read as, which decides its ranking",
                "properties": {
                    "kind": {"type": "string", "enum": list(INTENT_LABELS)},
                    "label": {"type": "string"},
                    "text": {"type": "string"},
                    "note": {"type": "string"},
                },
            },
            "total": {"type": "integer", "minimum": 0},
            "total_exact": {"type": "boolean"},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": list(SORTS)},
            "took_ms": {"type": "number"},
            "expansions": {"type": "array", "items": _ref("Expansion")},
            "notices": {"type": "array", "items": {"type": "string"}},
            "partial": {
                "type": "boolean",
                "description": "The time limit cut this search short (a notice says so too): "
                "a page may hold fewer hits than match. Such an answer has no ETag.",
            },
            "did_you_mean": {
                "type": ["string", "null"],
                "description": "The query with misspelled English words corrected, if any.",
            },
            "warnings": {
                "type": "array",
                "items": _ref("Warning"),
                "description": "Ignored request parameters (unknown names).",
            },
            "facets": {
                "type": "object",
                "description": "field -> value -> number of documents (empty unless facets=true); "
                "`month` (YYYY-MM) only when `year` is a single year",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
            "facet_labels": {
                "type": "object",
                "description": "field -> stored value -> display name with the other language "
                "beside it (`issuer`: `国务院办公厅 · General Office of the State Council`), "
                "for the facet values that have one. Filter with the stored value (the key), "
                "show the label.",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                },
            },
            "hits": {"type": "array", "items": _ref("Hit")},
            "explain": {"type": "array", "items": {"type": "string"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Only when paging by cursor: pass it as cursor for the next page; "
                "null after the last.",
            },
        },
    },
    "Document": {
        "type": "object",
        "required": ["id", "title", "lang", "titles_en", "level", "body", "passages"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "lang": {"type": "string"},
            "titles_en": {"type": "array", "items": _ref("EnglishTitle")},
            "subtitle": {"type": "string"},
            "level": {"type": "string"},
            "doctype": {"type": "string"},
            "issuer": {"type": "string"},
            "region": {"type": "string"},
            "docnum": {"type": "string"},
            "issue_date": _NULLABLE_STR,
            "publish_date": _NULLABLE_STR,
            "effective_date": _NULLABLE_STR,
            "date": _NULLABLE_STR,
            "status": {"type": "string"},
            "url": {"type": "string"},
            "source": {"type": "string"},
            "history": {"type": "array", "items": {"type": "string"}},
            "body": {"type": "string"},
            "passages": {"type": "array", "items": _ref("Passage")},
            "warnings": {
                "type": "array",
                "items": _ref("Warning"),
                "description": "Present only when a request parameter was ignored.",
            },
        },
    },
    "GlossaryEntry": {
        "type": "object",
        "required": ["zh", "en", "preferred", "category", "source"],
        "properties": {
            "zh": {"type": "string"},
            "en": {"type": "array", "items": {"type": "string"}},
            "preferred": {"type": "string"},
            "category": {"type": "string"},
            "source": {"type": "string", "examples": ["curated", "user", "cc-cedict"]},
            "note": {"type": "string"},
        },
    },
    "GlossaryResponse": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "entries"],
        "properties": {
            "query": {"type": "string"},
            "category": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "entries": {"type": "array", "items": _ref("GlossaryEntry")},
            "categories": {"type": "object", "additionalProperties": {"type": "integer"}},
            "warnings": {
                "type": "array",
                "items": _ref("Warning"),
                "description": "Ignored request parameters (unknown names).",
            },
        },
    },
    "TitleLookup": {
        "type": "object",
        "description": "A title lookup (search/titles.py TitleLookup.to_dict()): renderings of a "
        "Chinese title, or ranked Chinese documents for an English title or document number.",
        "required": ["query", "kind", "candidates", "renderings"],
        "properties": {
            "query": {"type": "string"},
            "kind": {"type": "string", "enum": ["zh_title", "en_title", "docnum", "none"]},
            "confidence": {"type": "number"},
            "exact_match": {"type": "boolean"},
            "message": {"type": "string"},
            "notices": {"type": "array", "items": {"type": "string"}},
            "warnings": {
                "type": "array",
                "items": _ref("Warning"),
                "description": "Ignored request parameters (unknown names).",
            },
            "parsed": {"type": "object"},
            "renderings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "lang", "source", "attested"],
                    "properties": {
                        "text": {"type": "string"},
                        "lang": {"type": "string"},
                        "source": {"type": "string"},
                        "attested": {"type": "boolean"},
                        "doc_id": {"type": "string"},
                    },
                },
            },
            "draft": {"type": ["object", "null"]},
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "confidence"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "titles_en": {"type": "array", "items": _ref("EnglishTitle")},
                        "confidence": {"type": "number"},
                    },
                },
            },
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "documents"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "version": {"type": "string"},
            "documents": {"type": "integer", "minimum": 0},
            "glossary_entries": {"type": "integer", "minimum": 0},
            "titles_available": {"type": "boolean"},
        },
    },
}


def _flag(default: bool) -> dict[str, Any]:
    """A true/false parameter as web/params.py reads it: forms send an empty value for
    false, and 1/0, yes/no, on/off are accepted too (any case)."""
    words = ("true", "false", "1", "0", "yes", "no", "on", "off")
    return {
        "type": ["boolean", "string"],
        "enum": [True, False, "", *words, *(w.upper() for w in words if w.isalpha())],
        "default": default,
    }


VALUES_LISTED = 100  # filter values listed per field in the document (the most common)
VALUES_IN_TEXT = 12  # of which shown in the parameter's description


def _filter_params(values: Mapping[str, Mapping[str, int]] | None = None) -> list[dict[str, Any]]:
    """One parameter per filter; with ``values`` (facet counts of the whole index), the
    values this index holds are listed: all of them under ``x-values`` (up to
    VALUES_LISTED, most common first, with their document counts) and as examples.
    They are not an ``enum``: a value the index lacks is valid and matches nothing."""
    out = []
    for name in FILTER_NAMES:
        counts = dict(list((values or {}).get(name, {}).items())[:VALUES_LISTED])
        items: dict[str, Any] = {"type": "string", "maxLength": 100}
        text = f"Only documents whose {name} is one of these values (repeat for several)."
        extra: dict[str, Any] = {}
        if counts:
            items["examples"] = list(counts)
            n_all = len((values or {}).get(name, {}))
            shown = ", ".join(f"{v} ({n:,})" for v, n in list(counts.items())[:VALUES_IN_TEXT])
            text += f" In this index ({n_all:,} values; documents): {shown}"
            text += ", …" if n_all > VALUES_IN_TEXT else ""
            extra["x-values"] = counts
            extra["example"] = [next(iter(counts))]
        out.append(
            _q(
                name,
                {"type": "array", "items": items, "maxItems": 20},
                text,
                style="form",
                explode=True,
                **extra,
            )
        )
    return out


_FILTER_PARAMS = _filter_params()

SEARCH_PARAMETERS = [
    _q(
        "q",
        {"type": "string", "maxLength": MAX_Q},
        "The query: Chinese, English or mixed, simplified or traditional. Syntax: words (all must "
        'match), "a phrase", -word, a OR b, field:value (level, region, issuer, status, lang, '
        "doctype, source, year, docnum). May be empty only when a filter or year is given.",
        examples={
            "chinese": {"summary": "Chinese words", "value": "数据安全"},
            "english": {
                "summary": "English words find Chinese documents",
                "value": "platform economy",
            },
            "phrase": {"summary": "A phrase and an exclusion", "value": '"碳达峰碳中和" -试点'},
            "docnum": {"summary": "A document number", "value": "国办发〔2019〕38号"},
        },
    ),
    *_FILTER_PARAMS,
    _q(
        "year",
        {"type": "string", "maxLength": 20, "examples": ["2019", "2019..2023"]},
        "A year or a range Y1..Y2 (either end may be open).",
        example="2019..2023",
    ),
    # An empty value (a form's unset choice) is relevance, as params.py reads it.
    _q(
        "sort",
        {"type": "string", "enum": [*SORTS, ""], "default": "relevance"},
        "Result order (empty: relevance).",
    ),
    _q("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number (1-based)."),
    _q(
        "cursor",
        {"type": "string", "maxLength": 200},
        "Deep paging (search_after-style), instead of page: empty to start, then the previous "
        "answer's next_cursor with the same other parameters; reaches the first "
        f"{EXPORT_MAX:,} results (page stops at {MAX_RESULT_WINDOW:,}).",
        example="",
    ),
    _q(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        "Results per page. page * per_page may not pass the first 1000 results.",
    ),
    _q(
        "facets",
        _flag(False),
        "Include facet counts (level, region, issuer, status, lang, source, doctype, year; "
        "month too when year is one year).",
    ),
    _q("expand", _flag(True), "Cross-language query expansion."),
    _q("explain", _flag(False), "Include the parsed plan and scores."),
    _q(
        "rm",
        {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 20},
        "Expansion targets to switch off (as listed in `expansions[].target`).",
        style="form",
        explode=True,
    ),
]


def _json_ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_HEADERS = {
    "X-Request-Id": {
        "description": "This request's id (yours if you sent a sane X-Request-Id), also in the "
        "server's access log.",
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {
        "description": "Requests a client address may make in a burst (when the limit is on).",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the burst.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the burst is whole again.",
        "schema": {"type": "integer"},
    },
}
_CACHE_HEADERS = {
    "ETag": {
        "description": "A tag of this answer: the request and the index generation. Send it back "
        "in If-None-Match to get 304 while the index is unchanged.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age=60, must-revalidate",
        "schema": {"type": "string"},
    },
}
_X_CACHE = {
    "description": "hit: this server process had the answer to this request on this index "
    "commit already (the same bytes as a search would give); miss: it searched. Absent when "
    "the server's result cache is off.",
    "schema": {"type": "string", "enum": ["hit", "miss"]},
}
_NOT_MODIFIED = {
    "304": {
        "description": "Not modified: If-None-Match named this answer's ETag.",
        "headers": {**_CACHE_HEADERS, **_HEADERS},
    }
}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "An ETag from an earlier answer: 304 without a body if it still holds.",
}
EXPORT_FORMATS = ("csv", "ndjson", "citations")


def _with_headers(responses: dict[str, Any], cacheable: bool = False) -> dict[str, Any]:
    """Responses with the headers every answer carries (and the cache headers)."""
    out = {}
    for code, r in responses.items():
        headers = {**r.get("headers", {}), **_HEADERS}
        if cacheable and code == "200":
            headers.update(_CACHE_HEADERS)
        out[code] = {**r, "headers": headers}
    return out


def _export_operation(search_params: list[dict[str, Any]]) -> dict[str, Any]:
    params = [
        p for p in search_params if p["name"] not in ("page", "per_page", "facets", "explain")
    ]
    params += [
        _q(
            "format",
            {"type": "string", "enum": list(EXPORT_FORMATS), "default": "csv"},
            "csv: one row per document with the search API's hit fields (UTF-8 with a "
            "byte-order mark; a cell a spreadsheet would run as a formula starts with '). "
            "ndjson: one JSON hit per line. citations: one citation per line (title, issuer, "
            "文号, date, URL, English title with its source).",
            example="ndjson",
        ),
        _q(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": EXPORT_MAX, "default": EXPORT_MAX},
            f"Documents to export, in the search's order (paging stops at {MAX_RESULT_WINDOW:,}; "
            f"an export at {EXPORT_MAX:,}).",
        ),
    ]
    text = {"schema": {"type": "string"}}
    return {
        "get": {
            "operationId": "exportResults",
            "summary": "A search's results as CSV, NDJSON or a citation list, streamed",
            "description": "Example: `/api/v1/export?q=数据安全&level=法律&format=csv`. The body is "
            "streamed as it is written; X-Total-Count says how many documents match.",
            "parameters": params,
            "responses": _with_headers(
                {
                    "200": {
                        "description": "The export (a download: Content-Disposition attachment).",
                        "headers": {
                            "X-Total-Count": {
                                "description": "Matching documents.",
                                "schema": {"type": "integer"},
                            },
                            "X-Export-Count": {
                                "description": "Documents in this export (at most limit).",
                                "schema": {"type": "integer"},
                            },
                        },
                        "content": {
                            "text/csv": text,
                            "application/x-ndjson": text,
                            "text/plain": text,
                        },
                    },
                    **_error_responses(400, 503),
                }
            ),
        }
    }


def openapi_document(values: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document as a dict (served as JSON). ``values``: the index's facet
    counts, so the filter parameters list the values this index holds."""
    filters = {p["name"]: p for p in _filter_params(values)}
    search_params = [filters.get(p["name"], p) for p in SEARCH_PARAMETERS]
    doc = _document(search_params)
    doc["paths"]["/export"] = _export_operation(search_params)
    return doc


_lock = threading.Lock()
_values_cache: dict[str, Any] = {}


def index_values() -> dict[str, dict[str, int]] | None:
    """The serving index's facet counts, once per index generation (None: no index)."""
    try:
        backend = state().get_engine().backend
        gen = (str(backend.path), backend.generation())
    except (DuizhaoError, OSError, AttributeError):
        return None
    with _lock:
        if _values_cache.get("gen") == gen:
            return _values_cache["values"]
    values = backend.facet_counts()
    with _lock:
        _values_cache.update(gen=gen, values=values)
    return values


# long: a data table: the OpenAPI document as one literal, in the order it is served.
def _document(search_params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Duizhao (对照) REST API",
            "version": API_VERSION,
            "description": "Bilingual search over Chinese government policy documents. Every error "
            "answers with the Error shape. Only GET (and HEAD) is supported, except the mentions "
            "operation, which also takes a POSTed article. Parameters that link sharing adds "
            "(utm_*, fbclid, gclid ...) are ignored; any other unknown parameter is ignored and "
            "listed in the response's `warnings`. Pages on any origin may call the API (CORS; the "
            "server may restrict the origins). Search, document and title answers carry an ETag: "
            "send it in If-None-Match for a 304 while the index is unchanged. Every answer "
            "carries X-Request-Id, and RateLimit-* headers when the server limits request rates.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search documents",
                    "description": "Example: `/api/v1/search?q=platform+economy&level=法律"
                    "&year=2019..2023&facets=true`. Paging reaches the first "
                    f"{MAX_RESULT_WINDOW:,} results; /export goes further.",
                    "parameters": [*search_params, _IF_NONE_MATCH],
                    "responses": _with_headers(
                        {
                            "200": {
                                **_json_ok(_ref("SearchResponse"), "A page of ranked results."),
                                "headers": {"X-Cache": _X_CACHE},
                            },
                            **_NOT_MODIFIED,
                            **_error_responses(400, 503),
                        },
                        cacheable=True,
                    ),
                }
            },
            "/documents/{id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One document with its metadata, body and passages",
                    "description": "Example: `/api/v1/documents/{id}` with an id from a search hit.",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                        },
                        _IF_NONE_MATCH,
                    ],
                    "responses": _with_headers(
                        {
                            "200": _json_ok(_ref("Document"), "The document."),
                            **_NOT_MODIFIED,
                            **_error_responses(400, 404, 503),
                        },
                        cacheable=True,
                    ),
                }
            },
            "/titles": {
                "get": {
                    "operationId": "lookupTitle",
                    "summary": "Translate a policy title, either direction",
                    "parameters": [
                        _q(
                            "q",
                            {"type": "string", "minLength": 1, "maxLength": MAX_TITLE_Q},
                            "A Chinese or an English title (or part of one), or a 文号.",
                            required=True,
                            examples={
                                "chinese": {"value": "中华人民共和国数据安全法"},
                                "english": {"value": "Data Security Law"},
                                "docnum": {"value": "Guobanfa (2019) No. 38"},
                            },
                        ),
                        _q(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                            "Candidates to return.",
                        ),
                    ],
                    "description": "Example: `/api/v1/titles?q=Guobanfa+(2019)+No.+38`.",
                    "responses": _with_headers(
                        {
                            "200": _json_ok(_ref("TitleLookup"), "Candidate titles."),
                            **_NOT_MODIFIED,
                            **_error_responses(400, 503),
                        },
                        cacheable=True,
                    ),
                }
            },
            "/glossary": {
                "get": {
                    "operationId": "glossary",
                    "summary": "Look up or browse the glossary",
                    "parameters": [
                        _q(
                            "q",
                            {"type": "string", "maxLength": 100},
                            "A Chinese term or an English rendering; exact matches come first, "
                            "then entries containing it. Empty: browse.",
                            examples={
                                "chinese": {"value": "平台经济"},
                                "english": {"value": "data security"},
                            },
                        ),
                        _q("category", {"type": "string", "maxLength": 40}, "Only this category."),
                        _q("page", {"type": "integer", "minimum": 1, "default": 1}, "Page."),
                        _q(
                            "per_page",
                            {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                            "Entries per page.",
                        ),
                    ],
                    "responses": _with_headers(
                        {
                            "200": _json_ok(_ref("GlossaryResponse"), "Glossary entries."),
                            **_error_responses(400),
                        }
                    ),
                }
            },
            "/mentions": {
                "get": {
                    "operationId": "mentions",
                    "summary": "Policy documents mentioned in a (short) text",
                    "description": "The text in the query string: for short texts (the query "
                    "string is limited to 8 KB). Longer articles: POST.",
                    "parameters": [
                        _q(
                            "text",
                            {"type": "string", "minLength": 1, "maxLength": MAX_MENTION_CHARS},
                            "English (or Chinese) text naming policy documents: quoted or "
                            "capitalised titles, 《》 titles, document numbers.",
                            required=True,
                        )
                    ],
                    "responses": {
                        "200": _json_ok(_ref("MentionReport"), "The mentions found."),
                        **_error_responses(400, 503),
                    },
                },
                "post": {
                    "operationId": "mentionsPost",
                    "summary": "Policy documents mentioned in an article",
                    "description": "The article as JSON or as plain text. The request body "
                    "is limited to 64 KB (413 beyond): 20,000 Chinese characters fit in UTF-8, "
                    "not as \\uXXXX escapes.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/plain": {
                                "schema": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": MAX_MENTION_CHARS,
                                }
                            },
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["text"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "text": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": MAX_MENTION_CHARS,
                                        }
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _json_ok(_ref("MentionReport"), "The mentions found."),
                        **_error_responses(400, 413, 503),
                    },
                },
            },
            "/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Suggestions as you type: glossary terms and document titles",
                    "parameters": [
                        _q(
                            "q",
                            {"type": "string", "maxLength": 100},
                            "What has been typed: Chinese, English or pinyin.",
                        ),
                        _q(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
                            "Suggestions of each kind.",
                        ),
                    ],
                    "responses": {
                        "200": _json_ok(_ref("Suggestions"), "Suggestions."),
                        **_error_responses(400, 503),
                    },
                }
            },
            "/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Is the index open?",
                    "responses": _with_headers(
                        {
                            "200": _json_ok(_ref("Health"), "The service is ready."),
                            **_error_responses(503),
                        }
                    ),
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": _json_ok({"type": "object"}, "OpenAPI 3.1 document.")},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
