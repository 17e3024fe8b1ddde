"""Readers: files on disk -> Documents.

Place in the flow: **readers** -> Document -> structure -> writer.

Formats are recognised by content, not by name (gzip by its magic bytes):

* ``laws``          -- JSONL with ``id, path, title, level, text`` (the law corpus)
* ``policy_titles`` -- CSV with header ``source,url,title,issue_date,pub_date,doc_number``
* ``work_reports``  -- JSONL with ``title, url, content, year``
* ``en_titles``     -- JSONL with ``id, title_en, content_zh`` (English-titled documents)
* ``duizhao``       -- Duizhao's own JSONL import format (see README, "Import format")
* a folder (or single file) of ``.txt`` / ``.md`` / ``.html`` files

Every reader yields ``Document`` objects and ``Problem`` records; a bad line
is reported with file and line, skipped and counted, and reading goes on.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from index.document import Document, EnglishTitle, make_id
from index.errors import InputError
from index.normalize import clean_line, clean_text
from index.structure import doctype_of

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
MAX_FILE_BYTES = 50 * 1024 * 1024  # one plain/HTML file
MAX_LINE_BYTES = 20 * 1024 * 1024  # one JSONL record
MAX_BODY_CHARS = 5_000_000


@dataclass
class Problem:
    path: str
    line: int
    reason: str
    kept: bool = False  # a warning: the record itself is still indexed

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.reason}"
            if self.line
            else f"{self.path}: {self.reason}"
        )


Item = Document | Problem


# --- dispatch ---------------------------------------------------------------


def read_paths(paths: Iterable[str | Path]) -> Iterator[Item]:
    """Read every document from files and folders, in order."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield Problem(str(path), 0, "no such file or folder")
        elif path.is_dir():
            yield from read_folder(path)
        else:
            yield from read_file(path)


def _open_bytes(path: Path) -> io.BufferedReader | gzip.GzipFile:
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def detect_format(path: Path) -> str:
    """The format name of a data file, from its first non-empty line."""
    try:
        with _open_bytes(path) as f:
            head = b""
            for raw in f:
                if raw.strip():
                    head = raw
                    break
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read ({e})") from e
    if not head:
        return "empty"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if text.startswith("{"):
        try:
            keys = set(json.loads(text))
        except ValueError:
            return "jsonl"  # broken first line: read as JSONL to report it
        if {"id", "path", "level", "text"} <= keys:
            return "laws"
        if {"title_en", "content_zh"} <= keys:
            return "en_titles"
        if {"title", "content", "year"} <= keys and "id" not in keys:
            return "work_reports"
        return "duizhao"
    if text.startswith("source,url,title"):
        return "policy_titles"
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    return "unknown"


def read_file(path: Path) -> Iterator[Item]:
    try:
        fmt = detect_format(path)
    except InputError as e:
        yield Problem(str(path), 0, e.message)
        return
    if fmt == "empty":
        yield Problem(str(path), 0, "empty file")
    elif fmt == "laws":
        yield from _jsonl(path, _law)
    elif fmt == "en_titles":
        yield from _jsonl(path, _en_title_doc)
    elif fmt == "work_reports":
        yield from _jsonl(path, _work_report)
    elif fmt in ("duizhao", "jsonl"):
        yield from _jsonl(path, _duizhao)
    elif fmt == "policy_titles":
        yield from _policy_titles(path)
    elif fmt == "text":
        yield from _text_file(path, path.parent)
    else:
        yield Problem(
            str(path),
            0,
            "unknown format: expected JSONL, the policy-titles CSV, or .txt/.md/.html",
        )


def read_folder(folder: Path) -> Iterator[Item]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            if path.suffix.lower() in TEXT_SUFFIXES:
                yield from _text_file(path, folder)
            elif path.suffix.lower() in (".jsonl", ".gz", ".csv"):
                yield from read_file(path)


# --- JSONL ------------------------------------------------------------------


def _jsonl(path: Path, convert) -> Iterator[Item]:  # noqa: ANN001
    try:
        with _open_bytes(path) as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                if len(raw) > MAX_LINE_BYTES:
                    yield Problem(str(path), lineno, "record larger than 20 MB, skipped")
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    yield Problem(str(path), lineno, f"not UTF-8 ({e.reason} at byte {e.start})")
                    continue
                try:
                    rec = json.loads(text)
                except ValueError as e:
                    yield Problem(str(path), lineno, f"malformed JSON: {e}")
                    continue
                if not isinstance(rec, dict):
                    yield Problem(str(path), lineno, "record is not a JSON object")
                    continue
                try:
                    doc = convert(rec, lineno)
                    doc.validate()
                except InputError as e:
                    yield Problem(str(path), lineno, e.message)
                    continue
                except (KeyError, TypeError, ValueError, AttributeError) as e:
                    yield Problem(str(path), lineno, f"bad or missing field: {e}")
                    continue
                for msg in doc.drop_impossible_dates():
                    yield Problem(str(path), lineno, msg, kept=True)
                yield doc
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        yield Problem(str(path), 0, f"cannot read: {e}")


def _req(rec: dict, key: str) -> object:
    if key not in rec or rec[key] is None:
        raise InputError(f"missing field {key!r}")
    return rec[key]


def _str(v: object) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise InputError(f"expected text, got {type(v).__name__}")
    return v


_HIST_DATE = re.compile(r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*")
_SESSION = re.compile(r"第[一二三四五六七八九十\d]+届")
_BODY_END = re.compile(
    r"(.*?(?:人民代表大会常务委员会|人民代表大会|审判委员会|检察委员会|人民政府|国务院"
    r"|中央军事委员会|委员会|总局|部|署|局|院))"
)


def issuer_from_history(history: list[str]) -> str:
    """'2018年10月26日 枣庄市第十六届人民代表大会常务委员会第十三次会议通过'
    -> '枣庄市人民代表大会常务委员会'. The first line names the adopting body."""
    for line in history[:1]:
        rest = _HIST_DATE.sub("", line)
        rest = re.sub(r"^中华人民共和国(国务院)", r"\1", rest)
        rest = _SESSION.sub("", rest, count=1)
        m = _BODY_END.match(rest)
        if m and len(m.group(1)) <= 30:
            return m.group(1).strip("，, ")
    return ""


def _law_status(rec: dict) -> str:
    if rec.get("expired") is True:
        return "已废止"
    if rec.get("expired") is False:
        return "现行有效"
    return "未知"


def _law(rec: dict, lineno: int) -> Document:
    level = _str(rec.get("level")) or "其他"
    region = _str(rec.get("region"))
    history = [clean_line(h) for h in rec.get("history") or [] if isinstance(h, str)]
    title = clean_line(_str(_req(rec, "title")))
    issuer = issuer_from_history(history)
    if not issuer and level == "部门规章":
        issuer = _str(rec.get("category"))
    return Document(
        id=_str(_req(rec, "id")),
        title=title,
        subtitle=clean_line(_str(rec.get("subtitle"))),
        level=level,
        doctype=doctype_of(title),
        issuer=issuer,
        region=region,
        publish_date=rec.get("publish") or None,
        effective_date=rec.get("valid_from") or None,
        status=_law_status(rec),
        source="laws",
        history=history,
        body=clean_text(_str(_req(rec, "text")))[:MAX_BODY_CHARS],
    )


def _work_report(rec: dict, lineno: int) -> Document:
    title = clean_line(_str(_req(rec, "title")))
    url = _str(rec.get("url"))
    year = rec.get("year")
    if year is None:
        m = re.search(r"(\d{4})年", title)
        year = None if not m else int(m.group(1))
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        raise InputError("field 'year' must be a year number")
    return Document(
        id="wr-" + make_id(url or title),
        title=title,
        level="工作报告",
        doctype="报告" if "报告" in title[-4:] else doctype_of(title),
        issuer="国务院" if "政府工作报告" in title[-8:] else "全国人民代表大会",
        region="全国",
        issue_date=f"{year:04d}-01-01" if year else None,
        status="未知",
        url=url,
        source="work_reports",
        body=clean_text(_str(_req(rec, "content")))[:MAX_BODY_CHARS],
    )


EN_TITLES_SOURCE = "researcher translation (politic_analysis_paper_2025 dataset)"


def _en_title_doc(rec: dict, lineno: int) -> Document:
    level = _str(rec.get("level"))
    region = "山东" if level == "shandong" else "全国"
    date = _str(rec.get("release_time"))[:10] or None
    return Document(
        id=_str(_req(rec, "id")),
        title="",
        titles_en=[EnglishTitle(clean_line(_str(_req(rec, "title_en"))), EN_TITLES_SOURCE, True)],
        level="规范性文件",
        issuer=clean_line(_str(rec.get("release_department_en"))),
        region=region,
        issue_date=date,
        source="en_titles",
        body=clean_text(_str(_req(rec, "content_zh")))[:MAX_BODY_CHARS],
    )


_DUIZHAO_FIELDS = {
    "id",
    "title",
    "lang",
    "titles_en",
    "title_en",
    "subtitle",
    "level",
    "doctype",
    "issuer",
    "region",
    "docnum",
    "issue_date",
    "publish_date",
    "effective_date",
    "status",
    "url",
    "source",
    "history",
    "body",
}


def _duizhao(rec: dict, lineno: int) -> Document:
    unknown = set(rec) - _DUIZHAO_FIELDS
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}")
    titles_en = []
    for t in rec.get("titles_en") or []:
        if isinstance(t, str):
            titles_en.append(EnglishTitle(clean_line(t), "import", True))
        elif isinstance(t, dict) and isinstance(t.get("text"), str):
            titles_en.append(
                EnglishTitle(clean_line(t["text"]), _str(t.get("source")) or "import", True)
            )
        else:
            raise InputError("titles_en must be a list of strings or {text, source} objects")
    if rec.get("title_en"):
        titles_en.insert(0, EnglishTitle(clean_line(_str(rec["title_en"])), "import", True))
    history = rec.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise InputError("history must be a list of strings")
    title = clean_line(_str(rec.get("title")))
    body = clean_text(_str(rec.get("body")))
    if len(body) > MAX_BODY_CHARS:
        raise InputError(f"body longer than {MAX_BODY_CHARS:,} characters")
    return Document(
        id=_str(_req(rec, "id")),
        title=title,
        lang=_str(rec.get("lang")) or "zh",
        titles_en=titles_en,
        subtitle=clean_line(_str(rec.get("subtitle"))),
        level=clean_line(_str(rec.get("level"))) or "其他",
        doctype=clean_line(_str(rec.get("doctype"))) or doctype_of(title),
        issuer=clean_line(_str(rec.get("issuer"))),
        region=clean_line(_str(rec.get("region"))),
        docnum=clean_line(_str(rec.get("docnum"))),
        issue_date=rec.get("issue_date") or None,
        publish_date=rec.get("publish_date") or None,
        effective_date=rec.get("effective_date") or None,
        status=_str(rec.get("status")) or "未知",
        url=_str(rec.get("url")),
        source=_str(rec.get("source")) or "user",
        history=[clean_line(h) for h in history],
        body=body,
    )


# --- policy titles CSV --------------------------------------------------------

SOURCE_REGIONS = {
    "State Council": ("全国", "国务院"),
    "Chongqing Municipal Government": ("重庆", "重庆市人民政府"),
    "Guangdong Provincial Government": ("广东", "广东省人民政府"),
    "Hainan Provincial Government": ("海南", "海南省人民政府"),
    "Henan Provincial Government": ("河南", "河南省人民政府"),
    "Hubei Provincial Government": ("湖北", "湖北省人民政府"),
    "Liaoning Provincial Government": ("辽宁", "辽宁省人民政府"),
    "Ningxia Provincial Government": ("宁夏", "宁夏回族自治区人民政府"),
    "Shanghai Municipal Government": ("上海", "上海市人民政府"),
    "Shanxi Provincial Government": ("山西", "山西省人民政府"),
    "Sichuan Provincial Government": ("四川", "四川省人民政府"),
    "Yunnan Provincial Government": ("云南", "云南省人民政府"),
}
_ISSUER_PREFIX = re.compile(
    r"^(.{2,40}?(?:人民政府办公厅|人民政府|办公厅|办公室|国务院|委员会|部|局|厅|委))关于"
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def issuer_from_title(title: str) -> str:
    m = _ISSUER_PREFIX.match(title)
    return m.group(1) if m else ""


def _date(v: str) -> str | None:
    v = (v or "").strip()
    return v[:10] if _ISO.match(v) else None


def _policy_titles(path: Path) -> Iterator[Item]:
    try:
        with _open_bytes(path) as fb:
            text = io.TextIOWrapper(fb, encoding="utf-8", errors="strict", newline="")
            reader = csv.DictReader(text)
            lineno = 1
            try:
                for row in reader:
                    lineno = reader.line_num
                    title = clean_line(row.get("title") or "")
                    docnum = clean_line(row.get("doc_number") or "")
                    url = (row.get("url") or "").strip()
                    if not (title or docnum):
                        yield Problem(str(path), lineno, "record has neither title nor doc_number")
                        continue
                    if not url:
                        yield Problem(str(path), lineno, "record has no url (needed for its id)")
                        continue
                    region, default_issuer = SOURCE_REGIONS.get(row.get("source") or "", ("", ""))
                    doc = Document(
                        id="pt-" + make_id(url),
                        title=title,
                        level="规范性文件",
                        doctype=doctype_of(title),
                        issuer=issuer_from_title(title) or default_issuer,
                        region=region,
                        docnum=docnum,
                        issue_date=_date(row.get("issue_date") or ""),
                        publish_date=_date(row.get("pub_date") or ""),
                        url=url,
                        source="policy_titles",
                    )
                    for msg in doc.drop_impossible_dates():
                        yield Problem(str(path), lineno, msg, kept=True)
                    yield doc
            except UnicodeDecodeError as e:
                yield Problem(str(path), lineno + 1, f"not UTF-8 ({e.reason}); reading stopped")
            except csv.Error as e:
                yield Problem(str(path), lineno, f"malformed CSV: {e}")
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        yield Problem(str(path), 0, f"cannot read: {e}")


# --- plain text, Markdown and HTML files ---------------------------------------------


class _HTMLText(HTMLParser):
    """Visible text and <title>/<h1> of an HTML page; scripts and styles dropped."""

    _SKIP = {"script", "style", "noscript", "template", "head"}
    _BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._skip = 0
        self._in_title = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ARG002
        if tag in self._SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._in_h1 and not self.h1:
            self.h1 += data
        if not self._skip:
            self.parts.append(data)


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("not UTF-8 or GB18030 text")


def _file_id(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    stem = re.sub(r"[^\w.\-]+", "_", str(rel.with_suffix("")).replace("/", ":"))[:100]
    return "file:" + stem.strip("_") if stem.strip("_") else "file:" + make_id(str(rel))


def _text_file(path: Path, root: Path) -> Iterator[Item]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Problem(str(path), 0, "file larger than 50 MB, skipped")
            return
        if size == 0:
            yield Problem(str(path), 0, "empty file")
            return
        text = _decode(path.read_bytes())
    except InputError as e:
        yield Problem(str(path), 0, e.message)
        return
    except OSError as e:
        yield Problem(str(path), 0, f"cannot read: {e}")
        return
    title = ""
    if path.suffix.lower() in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(text)
        title = clean_line(parser.h1 or parser.title)
        body = clean_text(html.unescape("".join(parser.parts)))
    else:
        body = clean_text(text)
        first = next((ln for ln in body.split("\n") if ln.strip()), "")
        title = clean_line(first.lstrip("#").strip())[:200]
    if not body and not title:
        yield Problem(str(path), 0, "no text in file")
        return
    lang = "en" if _mostly_latin(body[:2000] or title) else "zh"
    doc = Document(
        id=_file_id(path, root),
        title=title if lang == "zh" else "",
        titles_en=[EnglishTitle(title, "file", True)] if lang == "en" and title else [],
        lang=lang,
        doctype=doctype_of(title) if lang == "zh" else "",
        source="user",
        url="",
        body=body[:MAX_BODY_CHARS],
    )
    try:
        doc.validate()
    except InputError as e:
        yield Problem(str(path), 0, e.message)
        return
    yield doc


def _mostly_latin(text: str) -> bool:
    han = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return latin > 3 * han
