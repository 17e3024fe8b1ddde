"""The document model: what Duizhao knows about one policy document.

Place in the flow: readers -> **Document** -> structure (articles) -> writer.

A ``Document`` is source-neutral: readers for the shipped data and the JSONL
import format all produce it, and the index stores it (as JSON) beside the
analyzed passages. Field values are already cleaned (``index.normalize``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, TypeVar

from index.errors import InputError

T = TypeVar("T")

# The Document attributes that are facets: stored as columns, counted and filtered on.
FACET_FIELDS = ("level", "region", "issuer", "status", "lang", "source", "doctype")
STATUSES = ("现行有效", "已修改", "已废止", "尚未生效", "未知")
LANGS = ("zh", "en")

# Always used with fullmatch: ``$`` would also match before a final newline, letting
# "abc\n" in as an id distinct from "abc".
ID_RE = re.compile(r"\w[\w.:\-]{0,127}")
ID_RULE = "ids are 1-128 letters (any script), digits, '.', '_', ':' or '-', starting with a letter or digit"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Years a policy document can carry. Anything else (year 0000 or 9999, a month 13)
# is a data error: reported at import and stored as unknown, never shown or sorted on.
DATE_YEARS = (1800, 2100)
DATE_FIELDS = ("issue_date", "publish_date", "effective_date")


def impossible_date(value: str) -> str | None:
    """Why a well-formed YYYY-MM-DD date cannot be real, or None when it can."""

    try:
        d = datetime.date.fromisoformat(value)
    except ValueError:
        return "no such day"
    if not DATE_YEARS[0] <= d.year <= DATE_YEARS[1]:
        return f"year outside {DATE_YEARS[0]}-{DATE_YEARS[1]}"
    return None


@dataclass
class EnglishTitle:
    """One English rendering of a title. ``attested`` means a source gave it;
    drafts are machine-made and labelled as such everywhere."""

    text: str
    source: str
    attested: bool = True


@dataclass
class Passage:
    """A retrievable unit inside a document: an article (第N条), a preamble or a
    paragraph chunk. ``start``/``end`` are offsets into ``Document.body``."""

    label: str  # "第十二条", "序言", "¶3"
    number: int | None  # article number (12) or None
    chapter: str  # "第一章 总则" or ""
    start: int
    end: int


@dataclass
class Document:
    id: str
    title: str  # Chinese title (may be empty for number-only records)
    lang: str = "zh"
    titles_en: list[EnglishTitle] = field(default_factory=list)
    subtitle: str = ""
    level: str = "其他"
    doctype: str = ""  # 条例, 办法, 意见, 通知 ... (from the title)
    issuer: str = ""
    region: str = ""
    docnum: str = ""  # 文号 as written by the source
    issue_date: str | None = None
    publish_date: str | None = None
    effective_date: str | None = None
    status: str = "未知"
    url: str = ""
    source: str = "user"  # collection: laws, policy_titles, work_reports, en_titles, user
    history: list[str] = field(default_factory=list)
    body: str = ""
    passages: list[Passage] = field(default_factory=list)
    # Where a reader found it ("file:line"), for problem reports after reading; not a
    # field, so it is neither stored nor part of the content hash.
    origin: ClassVar[str] = ""

    # --- derived values -------------------------------------------------
    @property
    def date(self) -> str | None:
        """The date used for sorting and year filters."""
        return self.issue_date or self.publish_date or self.effective_date

    @property
    def year(self) -> int | None:
        d = self.date
        return int(d[:4]) if d else None

    @property
    def copy_key(self) -> tuple[str, ...] | None:
        """What a copy of this record shares with it: a site lists one document under
        two addresses (two ids), with the same title, 文号, date and source. Results
        show one of them. None for a record without a title (nothing to tell copies by)."""
        if not self.title:
            return None
        title = "".join((self.title + self.subtitle).split())
        return (title, self.docnum, self.date or "", self.source, self.lang)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.titles_en:
            return self.titles_en[0].text
        return self.docnum or self.id

    def heading(self, passage: int) -> str:
        """The headings a passage stands under: the document's subtitle (a law book,
        侵权责任编) and the passage's chapter (第七章 相邻关系), space-joined."""
        p = self.passages
        chapter = p[passage].chapter if 0 <= passage < len(p) else ""
        return f"{self.subtitle} {chapter}".strip()

    def content_hash(self) -> str:
        """Hash of everything indexed: re-indexing skips documents whose hash is unchanged."""
        return _hash_of(self.to_dict(with_passages=False))

    def to_dict(self, with_passages: bool = True) -> dict[str, Any]:
        """``dataclasses.asdict`` of the document (equal to it, keys in field order),
        built without its generic recursion and deep copies: the index writers call
        it two or three times per document. ``with_passages=False`` leaves out the
        passages (never converted)."""
        if type(self) is not Document:  # a subclass may add fields: the generic way
            d = asdict(self)
            if not with_passages:
                d.pop("passages")
            return d
        d = {}
        for name in _FIELD_NAMES:
            v = getattr(self, name)
            if name == "passages":
                if not with_passages:
                    continue
                v = [_plain(p) for p in v]
            elif type(v) is not str and v is not None:
                v = _plain(v)
            d[name] = v
        return d

    def to_json(self) -> str:
        return _json_of(self.to_dict())

    def hash_and_json(self) -> tuple[str, str]:
        """``(content_hash(), to_json())`` from one ``to_dict``."""
        d = self.to_dict()
        stored = _json_of(d)
        d.pop("passages")
        return _hash_of(d), stored

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        d = dict(d)
        d["titles_en"] = [EnglishTitle(**t) for t in d.get("titles_en") or []]
        d["passages"] = [Passage(**p) for p in d.get("passages") or []]
        return cls(**d)

    @classmethod
    def from_json(cls, s: str) -> Document:
        return cls.from_dict(json.loads(s))

    def validate(self) -> None:
        """Raise InputError naming the first bad field."""
        check_id(self.id)
        if not (self.title or self.body or self.titles_en or self.docnum):
            raise InputError(f"document {self.id} has no title, body or document number")
        if self.lang not in LANGS:
            raise InputError(f"document {self.id}: lang must be one of {', '.join(LANGS)}")
        for name in DATE_FIELDS:
            v = getattr(self, name)
            if v is not None and not _DATE_RE.match(v):
                raise InputError(f"document {self.id}: {name} must be YYYY-MM-DD, got {v!r}")

    def drop_impossible_dates(self) -> list[str]:
        """Set impossible dates to unknown (None) and say which, for the import report."""
        out = []
        for name in DATE_FIELDS:
            v = getattr(self, name)
            why = impossible_date(v) if isinstance(v, str) and _DATE_RE.match(v) else None
            if why:
                setattr(self, name, None)
                out.append(
                    f"document {self.id}: impossible {name} {v!r} ({why}); stored as unknown"
                )
        return out


def check_id(value: object) -> None:
    """Raise InputError unless ``value`` is a valid document id."""
    if isinstance(value, str) and ID_RE.fullmatch(value):
        return
    if isinstance(value, str):
        bad = next((ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf")), None)
        if bad is not None:
            raise InputError(
                f"bad document id {value[:140]!r}: it contains an invisible or control character "
                f"U+{ord(bad):04X}",
                f"remove it; {ID_RULE}",
            )
    raise InputError(f"bad document id {str(value)[:140]!r}", ID_RULE)


def make_id(*parts: str) -> str:
    """A stable id for sources that give none (policy titles: their URL)."""
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:20]


_FIELD_NAMES = tuple(f.name for f in fields(Document))
_ATOMIC = (str, int, float, bool, type(None))


def _plain(v: Any) -> Any:
    """A value as ``dataclasses.asdict`` gives it: dataclasses as dicts, lists,
    tuples and dicts rebuilt, atomic values as they are, anything else deep-copied."""
    if isinstance(v, _ATOMIC):
        return v
    if is_dataclass(v) and not isinstance(v, type):
        return {f.name: _plain(getattr(v, f.name)) for f in fields(v)}
    if type(v) is list:
        return [_plain(x) for x in v]
    if type(v) is dict:
        return {_plain(k): _plain(x) for k, x in v.items()}
    return asdict(_Box(v))["v"]  # tuples, named tuples, other types: as asdict does


@dataclass
class _Box:
    v: Any


def _json_of(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _hash_of(d: dict[str, Any]) -> str:
    payload = json.dumps(d, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


# Results asked for beyond a page (search box) or a list (title lookup), so that dropping
# the copies of a record leaves it full.
COPY_MARGIN = 10


def without_copies(items: list[T], doc_of: Callable[[T], Document]) -> list[T]:
    """``items`` (hits, candidates) without the copies of a record
    (:attr:`Document.copy_key`): the first of each stays, in order."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for item in items:
        key = doc_of(item).copy_key
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out
