"""Whoosh records of a document: the writer side of the Whoosh backend.

Place in the flow: Documents (index.document, passages from index.structure) ->
**records** -> ``WhooshBackend.add_documents`` -> the Whoosh writer. One record per
passage; the head record (passage 0) carries titles, metadata and the stored
document (see index.schema).
"""

from __future__ import annotations

from collections.abc import Iterator

from index.docnumber import find_docnums, parse_docnum
from index.document import FACET_FIELDS, Document
from index.structure import split_passages


def record_docnum_keys(doc: Document) -> list[str]:
    """The 文号 keys a document is found by: its number as parsed, and as read in
    text when the field holds words before it (控方案的通知粤府〔2020〕71号, a site's
    cut): a search for 粤府〔2020〕71号 finds it."""
    if not doc.docnum:
        return []
    dn = parse_docnum(doc.docnum)
    if dn is None:
        return [doc.docnum.replace(" ", "")]
    keys = [dn.key, dn.pinyin_key]
    for found, _span in find_docnums(doc.docnum):  # parsed, so short (parse_docnum's bound)
        keys += [found.key, found.pinyin_key]
    return list(dict.fromkeys(keys))


def _date_int(d: str | None) -> int | None:
    if not d:
        return None
    try:
        return int(d[:4]) * 10000 + int(d[5:7]) * 100 + int(d[8:10])
    except ValueError:
        return None


def records_for(doc: Document, content_hash: str | None = None) -> Iterator[dict]:
    """The Whoosh records of one document: its head record, then one per passage.

    Metadata (level, region, dates ...) is indexed on the head record only:
    filters, facets and date sorting read it per document from column arrays
    (``_ReaderCache``), so passages carry just their text, the Chinese title and
    the document id -- about a fifth fewer postings to write.
    """
    if not doc.passages and doc.body:
        doc.passages = split_passages(doc.body)
    common: dict[str, object] = {"doc_id": doc.id}
    passages = doc.passages
    head_body = doc.body[passages[0].start : passages[0].end] if passages else doc.body
    head = dict(common)
    if content_hash is None:
        content_hash, stored = doc.hash_and_json()
    else:  # computed by the caller (index.report.changed_documents)
        stored = doc.to_json()
    head.update(pid=doc.id, head="1", pidx=0, hash=content_hash, doc=stored)
    # The Chinese title is indexed once, on the head record; at query time its score
    # counts for every passage of the document (WhooshBackend._vector_scores).
    title = doc.title + (" " + doc.subtitle if doc.subtitle else "")
    if title:
        head["title"] = title
    for name in FACET_FIELDS:
        value = getattr(doc, name)
        if value:
            head[name] = value
    if doc.year:
        head["year"] = doc.year
    di = _date_int(doc.date)
    if di:
        head["date"] = di
    # English titles go on the head record only: they match English queries, and
    # the other passages hold Chinese article text that English words never match.
    attested = " \n ".join(t.text for t in doc.titles_en if t.attested)
    drafts = " \n ".join(t.text for t in doc.titles_en if not t.attested)
    if attested:
        head["title_en"] = attested
    if drafts:
        head["title_draft"] = drafts
    if head_body:
        head["body"] = head_body
    keys = record_docnum_keys(doc)
    if keys:
        head["docnum"] = ",".join(keys)
    yield head
    for i in range(1, len(passages)):
        p = passages[i]
        rec = dict(common)
        rec.update(pid=f"{doc.id}#{i}", pidx=i, body=doc.body[p.start : p.end])
        yield rec
