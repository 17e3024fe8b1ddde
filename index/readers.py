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

import contextlib
import csv
import gzip
import html
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from index.document import Document, EnglishTitle, make_id
from index.errors import InputError
from index.issuers import shipped_issuer_names
from index.normalize import clean_line, clean_text
from index.scripts import han_count
from index.structure import doctype_of

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
MAX_FILE_BYTES = 50 * 1024 * 1024  # one plain/HTML file
MAX_LINE_BYTES = 20 * 1024 * 1024  # one JSONL record (or CSV line)
MAX_BODY_CHARS = 5_000_000
# Decompressed bytes read from one .gz file. Lines are read with a cap, so memory stays
# bounded whatever a file holds; this bounds the time a decompression bomb can take
# (the largest sample file decompresses to 60 MB). Plain files have no such limit.
MAX_DECOMPRESSED_BYTES = 4 * 1024**3
_SKIP_CHUNK = 1024 * 1024  # an over-long line is read past in pieces this big


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


def read_paths(paths: Iterable[str | Path], *, follow_symlinks: bool = False) -> Iterator[Item]:
    """Read every document from files and folders, in order.

    Inside a folder, symbolic links are followed only to files and folders inside it,
    unless ``follow_symlinks``; a path given here is read wherever it points.
    """
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield Problem(str(path), 0, "no such file or folder")
        elif path.is_dir():
            yield from read_folder(path, follow_symlinks=follow_symlinks)
        else:
            yield from read_file(path)


def check_paths(paths: Iterable[str | Path]) -> None:
    """Raise InputError for a path that is neither a regular file nor a folder.

    Called before anything is written: reading a FIFO waits for a writer forever, and
    a device such as /dev/zero never ends. Missing paths are left to ``read_paths``,
    which reports them and reads the rest.
    """
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            raise InputError(
                f"{p} is {_kind(st.st_mode)}, not a regular file or folder",
                "give data files or folders; to index a stream, save it to a file first",
            )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _inside(path: str, root: Path) -> bool:
    return os.path.commonpath([path, str(root)]) == str(root)


def _open_regular(path: Path, within: Path | None = None) -> io.BufferedReader:
    """Open a regular file for reading; refuse anything else without blocking.

    O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. ``within``
    (a resolved folder): the file actually opened must lie inside it -- checked on the
    open descriptor, so a link swapped in after the folder walk looked cannot escape.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{_kind(st.st_mode)}, not a regular file")
        if within is not None:
            try:
                real = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:  # no /proc: the path as resolved now
                real = os.path.realpath(path)
            if not _inside(real, within):
                raise InputError(
                    f"leads outside the folder {within}; not read "
                    "(use --follow-symlinks to read such files)"
                )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def _open_data(path: Path, within: Path | None = None) -> Iterator[tuple[io.BufferedIOBase, int]]:
    """A data file's bytes (gzip recognised by its magic bytes) and how many
    decompressed bytes may be read from it (-1: no limit)."""
    raw = _open_regular(path, within)
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic != b"\x1f\x8b":
            yield raw, -1
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            yield gz, MAX_DECOMPRESSED_BYTES


class _TooMuchData(Exception):
    """A compressed file decompressed to more than its limit (a decompression bomb)."""

    def __init__(self, lineno: int) -> None:
        super().__init__(lineno)
        self.lineno = lineno


_READ_ERRORS = (OSError, EOFError, gzip.BadGzipFile, zlib.error)


def _lines(f: io.BufferedIOBase, limit: int = -1) -> Iterator[tuple[int, bytes, bool]]:
    """``(line number, bytes, too_long)`` for each line, holding at most one line of
    MAX_LINE_BYTES in memory. An over-long line is yielded as its first bytes with
    ``too_long``, then read past in pieces. More than ``limit`` bytes read in all
    (when ``limit >= 0``) raises _TooMuchData."""
    total = 0
    lineno = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        total += len(raw)
        if 0 <= limit < total:
            raise _TooMuchData(lineno)
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield lineno, raw, False
            continue
        head = raw[:64]
        del raw
        yield lineno, head, True
        while True:
            piece = f.readline(_SKIP_CHUNK)
            total += len(piece)
            if 0 <= limit < total:
                raise _TooMuchData(lineno)
            if not piece or piece.endswith(b"\n"):
                break


def _too_much_data(path: Path, e: _TooMuchData) -> Problem:
    return Problem(
        str(path),
        e.lineno,
        f"decompresses to more than {MAX_DECOMPRESSED_BYTES // 1024**3} GiB "
        "(a decompression bomb?); the rest of the file was not read "
        "(to index a file this big, decompress it and index the plain file)",
    )


def _too_long(path: Path, lineno: int) -> Problem:
    return Problem(str(path), lineno, f"record larger than {MAX_LINE_BYTES // 1024**2} MB, skipped")


def detect_format(path: Path, within: Path | None = None) -> str:
    """The format name of a data file, from its first non-empty line."""
    head = b""
    try:
        with _open_data(path, within) as (f, _limit):
            # Only the first line is needed: reading is bounded to a few lines' worth.
            for _lineno, raw, too_long in _lines(f, 2 * MAX_LINE_BYTES):
                if raw.strip():
                    head = raw.strip() if not too_long else raw.lstrip()[:1]
                    break
    except _TooMuchData:
        pass  # judged by what was seen
    except InputError as e:
        raise InputError(f"{path}: {e.message}") from e
    except _READ_ERRORS as e:
        raise InputError(f"{path}: cannot read ({e})") from e
    if not head:
        return "empty"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if text.startswith("{"):
        try:
            keys = set(json.loads(text))
        except (
            ValueError,
            TypeError,
            RecursionError,
        ):  # broken or hostile: read as JSONL to report it
            return "jsonl"
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


def read_file(path: Path, within: Path | None = None) -> Iterator[Item]:
    """Read one data file. ``within``: a folder the file must really lie in."""
    try:
        fmt = detect_format(path, within)
    except InputError as e:
        yield Problem(str(path), 0, e.message.removeprefix(f"{path}: "))
        return
    if fmt == "empty":
        yield Problem(str(path), 0, "empty file")
    elif fmt == "laws":
        yield from _jsonl(path, _law, within)
    elif fmt == "en_titles":
        yield from _jsonl(path, _en_title_doc, within)
    elif fmt == "work_reports":
        yield from _jsonl(path, _work_report, within)
    elif fmt in ("duizhao", "jsonl"):
        yield from _jsonl(path, _duizhao, within)
    elif fmt == "policy_titles":
        yield from _policy_titles(path, within)
    elif fmt == "text":
        yield from _text_file(path, path.parent, within)
    else:
        yield Problem(
            str(path),
            0,
            "unknown format: expected JSONL, the policy-titles CSV, or .txt/.md/.html",
        )


def _entries(d: Path) -> list[os.DirEntry] | Problem:
    """A folder's entries by name, or the problem that it cannot be read."""
    try:
        with os.scandir(d) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as e:
        return Problem(str(d), 0, f"cannot read folder: {e.strerror or e}")


def _wanted(name: str) -> bool:
    """Whether a file of this name is one the folder walk reads."""
    return Path(name).suffix.lower() in TEXT_SUFFIXES | {".jsonl", ".gz", ".csv"}


# An iterative walk (an explicit stack, no recursion) whose cases -- unreadable entry,
# link out of the folder, folder, file -- each yield their own Problem, in walk order.
def read_folder(folder: Path, *, follow_symlinks: bool = False) -> Iterator[Item]:
    """Every data and text file under ``folder`` (file names starting with '.' skipped).

    Symbolic links are followed only to places inside the folder (a link to a folder
    inside it is not walked twice), unless ``follow_symlinks``. Anything that is not
    a regular file is skipped with a problem if its name says it should be read.
    """
    root = folder.resolve()
    within = None if follow_symlinks else root
    seen: set[str] = {str(root)}
    stack: list[list[os.DirEntry]] = []  # per folder being walked: entries to do, reversed

    first = _entries(folder)
    if isinstance(first, Problem):
        yield first
        return
    stack.append(first[::-1])
    while stack:
        if not stack[-1]:
            stack.pop()
            continue
        entry = stack[-1].pop()
        path = Path(entry.path)
        try:
            is_link = entry.is_symlink()
            st = os.stat(path)  # follows links
        except OSError as e:  # a dangling link, or no permission
            if _wanted(entry.name) and not entry.name.startswith("."):
                yield Problem(str(path), 0, f"cannot read: {e.strerror or e}")
            continue
        if is_link and not follow_symlinks and not _inside(os.path.realpath(path), root):
            if _wanted(entry.name) or stat.S_ISDIR(st.st_mode):
                yield Problem(
                    str(path),
                    0,
                    f"a symbolic link out of the folder {folder}; not followed "
                    "(use --follow-symlinks to read it)",
                )
            continue
        if stat.S_ISDIR(st.st_mode):
            real = os.path.realpath(path)
            if real in seen or (is_link and not follow_symlinks):
                continue  # walked already (a link inside the folder, or a loop)
            seen.add(real)
            sub = _entries(path)
            if isinstance(sub, Problem):
                yield sub
            else:
                stack.append(sub[::-1])
            continue
        if entry.name.startswith(".") or not _wanted(entry.name):
            continue
        if not stat.S_ISREG(st.st_mode):
            yield Problem(str(path), 0, f"{_kind(st.st_mode)}, not a regular file")
        elif path.suffix.lower() in TEXT_SUFFIXES:
            yield from _text_file(path, folder, within)
        else:
            yield from read_file(path, within)


# --- JSONL ------------------------------------------------------------------


def _jsonl(path: Path, convert, within: Path | None = None) -> Iterator[Item]:
    lineno = 0
    try:
        with _open_data(path, within) as (f, limit):
            for lineno, raw, too_long in _lines(f, limit):
                if too_long:
                    yield _too_long(path, lineno)
                elif raw.strip():
                    item = _jsonl_record(path, lineno, raw, convert)
                    if isinstance(item, Document):
                        yield from _date_warnings(item, path, lineno)
                    yield item
    except _TooMuchData as e:
        yield _too_much_data(path, e)
    except InputError as e:
        yield Problem(str(path), 0, e.message)
    except _READ_ERRORS as e:
        where = f" after line {lineno}" if lineno else ""
        yield Problem(str(path), lineno, f"cannot read{where}: {e}")


def _date_warnings(doc: Document, path: Path, lineno: int) -> Iterator[Problem]:
    """Impossible dates are dropped (stored as unknown) and reported; the record stays."""
    for msg in doc.drop_impossible_dates():
        yield Problem(str(path), lineno, msg, kept=True)


def _jsonl_record(path: Path, lineno: int, raw: bytes, convert) -> Item:
    """One JSONL line -> a Document, or the Problem that skips it. A record that fails
    for any reason is skipped; it never stops the import."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return Problem(str(path), lineno, f"not UTF-8 ({e.reason} at byte {e.start})")
    try:
        rec = json.loads(text)
    except RecursionError:
        return Problem(str(path), lineno, "malformed JSON: nested too deeply")
    except ValueError as e:
        return Problem(str(path), lineno, f"malformed JSON: {e}")
    if not isinstance(rec, dict):
        return Problem(str(path), lineno, "record is not a JSON object")
    try:
        doc = convert(rec, lineno)
        doc.validate()
    except InputError as e:
        return Problem(str(path), lineno, e.message)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return Problem(str(path), lineno, f"bad or missing field: {e}")
    except Exception as e:  # this record only (e.g. RecursionError)
        return Problem(str(path), lineno, f"record cannot be read ({type(e).__name__})")
    doc.origin = f"{path}:{lineno}"
    return doc


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
        # Stored in Chinese when the glossary or alias table knows the English name,
        # so these records and the Chinese sources count under one issuer.
        issuer=shipped_issuer_names().stored(clean_line(_str(rec.get("release_department_en")))),
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
        issuer=shipped_issuer_names().stored(clean_line(_str(rec.get("issuer")))),
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


# A body that forwards another's document (广东省人民政府办公厅转发国务院办公厅关于…): the
# issuer is the one that forwards, before the verb.
_FORWARDS = re.compile(r"转发|批转|转批|印发")


def issuer_from_title(title: str) -> str:
    """Who issued a policy title, from the words before its 关于 ("" when they name
    no issuer: 转发国务院办公厅关于… is forwarded by a body the title leaves out)."""
    m = _ISSUER_PREFIX.match(title)
    if not m:
        return ""
    issuer = m.group(1)
    forwards = _FORWARDS.search(issuer)
    if forwards:
        issuer = issuer[: forwards.start()]
    return issuer if len(issuer) >= 2 else ""


def _date(v: str) -> str | None:
    v = (v or "").strip()
    return v[:10] if _ISO.match(v) else None


def _csv_lines(
    path: Path, f: io.BufferedIOBase, limit: int, problems: list[Problem]
) -> Iterator[str]:
    """Decoded lines for the csv module, read with a cap. A line that is too long or
    not UTF-8 becomes an empty line (so line numbers stay right) and a problem."""
    for lineno, raw, too_long in _lines(f, limit):
        if too_long:
            problems.append(_too_long(path, lineno))
            yield "\n"
            continue
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(
                Problem(str(path), lineno, f"not UTF-8 ({e.reason} at byte {e.start}), skipped")
            )
            yield "\n"


def _policy_titles(path: Path, within: Path | None = None) -> Iterator[Item]:
    pending: list[Problem] = []
    try:
        with _open_data(path, within) as (fb, limit):
            reader = csv.DictReader(_csv_lines(path, fb, limit, pending))
            lineno = 1
            try:
                for row in reader:
                    yield from pending
                    pending.clear()
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
                    yield from _date_warnings(doc, path, lineno)
                    yield doc
            except csv.Error as e:
                yield Problem(str(path), lineno, f"malformed CSV: {e}")
    except _TooMuchData as e:
        pending.append(_too_much_data(path, e))
    except InputError as e:
        pending.append(Problem(str(path), 0, e.message))
    except _READ_ERRORS as e:
        pending.append(Problem(str(path), 0, f"cannot read: {e}"))
    yield from pending


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

    def handle_starttag(self, tag: str, attrs: list) -> None:
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


def _text_file(path: Path, root: Path, within: Path | None = None) -> Iterator[Item]:
    try:
        with _open_regular(path, within) as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                yield Problem(str(path), 0, "file larger than 50 MB, skipped")
                return
            if size == 0:
                yield Problem(str(path), 0, "empty file")
                return
            raw = f.read(MAX_FILE_BYTES + 1)  # the size may have grown since
        if len(raw) > MAX_FILE_BYTES:
            yield Problem(str(path), 0, "file larger than 50 MB, skipped")
            return
        text = _decode(raw)
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
    doc.origin = str(path)
    yield doc


def _mostly_latin(text: str) -> bool:
    han = han_count(text)
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return latin > 3 * han
