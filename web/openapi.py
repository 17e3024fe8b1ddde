"""The OpenAPI 3.1 description of the REST API (``/api/v1/openapi.json``).

Place in the flow: written by hand beside web/api.py and checked against the
running endpoints by schemathesis (tests/test_web_schemathesis.py), so it
says what the endpoints really do: the same parameter names, limits and
response shapes, and the one error shape for every 4xx/5xx.
"""

from __future__ import annotations

from typing import Any

from search.engine import FILTER_NAMES, MAX_PER_PAGE, SORTS
from search.mentions import MAX_TEXT_CHARS as MAX_MENTION_CHARS

API_VERSION = "1.0.0"
MAX_Q = 500  # characters of q the API accepts (the engine's own limit)
MAX_TITLE_Q = 500


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
            "total": {"type": "integer", "minimum": 0},
            "total_exact": {"type": "boolean"},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": list(SORTS)},
            "took_ms": {"type": "number"},
            "expansions": {"type": "array", "items": _ref("Expansion")},
            "notices": {"type": "array", "items": {"type": "string"}},
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
                "description": "field -> value -> number of documents (empty unless facets=true)",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
            "hits": {"type": "array", "items": _ref("Hit")},
            "explain": {"type": "array", "items": {"type": "string"}},
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

_FILTER_PARAMS = [
    _q(
        name,
        {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 20},
        f"Only documents whose {name} is one of these values (repeat the parameter for several).",
        style="form",
        explode=True,
    )
    for name in FILTER_NAMES
]

SEARCH_PARAMETERS = [
    _q(
        "q",
        {"type": "string", "maxLength": MAX_Q},
        "The query: Chinese, English or mixed, simplified or traditional. Syntax: words (all must "
        'match), "a phrase", -word, a OR b, field:value (level, region, issuer, status, lang, '
        "doctype, source, year, docnum). May be empty only when a filter or year is given.",
    ),
    *_FILTER_PARAMS,
    _q(
        "year",
        {"type": "string", "maxLength": 20, "examples": ["2019", "2019..2023"]},
        "A year or a range Y1..Y2 (either end may be open).",
    ),
    _q("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"}, "Result order."),
    _q("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number (1-based)."),
    _q(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        "Results per page. page * per_page may not pass the first 1000 results.",
    ),
    _q("facets", {"type": "boolean", "default": False}, "Include facet counts."),
    _q("expand", {"type": "boolean", "default": True}, "Cross-language query expansion."),
    _q("explain", {"type": "boolean", "default": False}, "Include the parsed plan and scores."),
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


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document as a dict (served as JSON)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Duizhao (对照) REST API",
            "version": API_VERSION,
            "description": "Bilingual search over Chinese government policy documents. Every error "
            "answers with the Error shape. Only GET (and HEAD) is supported. Parameters that link "
            "sharing adds (utm_*, fbclid, gclid ...) are ignored; any other unknown parameter is "
            "ignored and listed in the response's `warnings`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search documents",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _json_ok(_ref("SearchResponse"), "A page of ranked results."),
                        **_error_responses(400, 503),
                    },
                }
            },
            "/documents/{id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One document with its metadata, body and passages",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                        }
                    ],
                    "responses": {
                        "200": _json_ok(_ref("Document"), "The document."),
                        **_error_responses(400, 404, 503),
                    },
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
                            "A Chinese or an English title (or part of one).",
                            required=True,
                        ),
                        _q(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                            "Candidates to return.",
                        ),
                    ],
                    "responses": {
                        "200": _json_ok(_ref("TitleLookup"), "Candidate titles."),
                        **_error_responses(400, 503),
                    },
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
                        ),
                        _q("category", {"type": "string", "maxLength": 40}, "Only this category."),
                        _q("page", {"type": "integer", "minimum": 1, "default": 1}, "Page."),
                        _q(
                            "per_page",
                            {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                            "Entries per page.",
                        ),
                    ],
                    "responses": {
                        "200": _json_ok(_ref("GlossaryResponse"), "Glossary entries."),
                        **_error_responses(400),
                    },
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
                    "responses": {
                        "200": _json_ok(_ref("Health"), "The service is ready."),
                        **_error_responses(503),
                    },
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
