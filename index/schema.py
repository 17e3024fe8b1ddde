"""The Whoosh schema: one index record per passage.

Place in the flow: documents -> analysis -> **schema** -> writer / searcher.

Every passage (an article, a preamble, a paragraph chunk) is a record. The
document's head record (passage 0, ``pid == doc_id``) carries the titles and
metadata and stores the whole document as JSON and a content hash; the other
records carry only their text, document id and passage index, so the index
stays small. At query time a title match counts for every passage of the
document (``WhooshBackend._vector_scores``), so BM25F weighs a title match
against a body match *within* the passage and the best-matching article of a
document is simply its best-scoring record. English titles: attested ones in
``title_en``, machine drafts in ``title_draft``; English queries search both,
while the English expansions of a Chinese query search only attested titles
and English bodies (a draft only restates the Chinese title the query matched).

Field weights at indexing time: ``index.ranking.INDEX_BOOSTS`` (the query-time
ones are there too).

This module's import path and the analyzer classes are pickled into the
index: renaming them makes existing indexes unopenable (tested).
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from index.analysis import text_analyzer
from index.document import FACET_FIELDS as FACET_FIELDS  # re-exported: the backend reads it here
from index.ranking import INDEX_BOOSTS

SCHEMA_VERSION = 3

# Fields that filters and facets read (one value per record, stored as columns).


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        pid=ID(stored=True, unique=True),
        doc_id=ID(stored=True, sortable=True),
        head=ID(),  # "1" on head records
        pidx=STORED(),
        title=TEXT(analyzer=analyzer, phrase=True, field_boost=INDEX_BOOSTS["title"]),
        title_en=TEXT(
            analyzer=analyzer, phrase=True, field_boost=INDEX_BOOSTS["title_en"]
        ),  # attested
        title_draft=TEXT(
            analyzer=analyzer, phrase=True, field_boost=INDEX_BOOSTS["title_draft"]
        ),  # drafts
        body=TEXT(analyzer=analyzer, phrase=True, field_boost=INDEX_BOOSTS["body"]),
        docnum=KEYWORD(lowercase=True, commas=True, scorable=False),
        level=ID(sortable=True),
        region=ID(sortable=True),
        issuer=ID(sortable=True),
        status=ID(sortable=True),
        lang=ID(sortable=True),
        source=ID(sortable=True),
        doctype=ID(sortable=True),
        year=NUMERIC(int, bits=32, sortable=True, signed=False),
        date=NUMERIC(int, bits=32, sortable=True, signed=False),  # yyyymmdd, 0 if unknown
        hash=ID(stored=True),
        doc=STORED(),
    )
