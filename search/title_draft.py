"""Draft English translations of Chinese policy titles.

Place in the flow: ``duizhao title`` and the indexer ask for an English title
when no attested one is known; the answer is always labelled a draft. It is
rule-based, not machine translation: :func:`parse_title` splits a title into
issuers, ``关于``, an optional action (印发《X》 / 转发 …), the subject and the
document type; :func:`draft_title` renders each part the way official
translations (State Council, english.www.gov.cn, Xinhua, NPC) do:

* ``A关于…的指导意见`` -> "Guiding Opinions of A on …"
* ``A关于印发《X》的通知`` -> 'Notice of A on Issuing "X"' (X drafted recursively)
* ``中华人民共和国X法`` -> "X Law of the People's Republic of China"
* ``X条例`` -> "Regulations on X"; ``X规划`` -> "X Plan"; "十四五" -> "14th Five-Year"
* a subject opening with a verb becomes a gerund phrase (促进 -> "Promoting"),
  and ``V + NP + 发展`` becomes "Ving the Development of NP".

Terms come from ``lookup(term)`` -- by default the project glossary
(:class:`index.glossary.Glossary`, curated entries only) -- matched longest
first over the characters of the subject; ``index.segmenter.cut`` groups what
stays untranslated into words. Title-structure words (document types,
verbs in gerund form, adverbs, heads like 发展) live in this module's tables,
because their rendering depends on their role, not only on the term.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from index.errors import InputError
from index.normalize import to_simplified
from index.structure import CN_DIGITS, cn_to_int

Lookup = Callable[[str], "str | None"]
MAX_TITLE = 500
DRAFT_LABEL = "draft (machine-generated, not an official translation)"

# --- title-structure tables ---------------------------------------------------

# Document types, longest first when matched at the end of a title.
DOCTYPES: dict[str, str] = {
    "指导意见": "Guiding Opinions",
    "实施意见": "Implementation Opinions",
    "若干意见": "Several Opinions",
    "意见": "Opinions",
    "补充通知": "Supplementary Notice",
    "紧急通知": "Urgent Notice",
    "通知": "Notice",
    "决定": "Decision",
    "决议": "Resolution",
    "批复": "Reply",
    "复函": "Reply Letter",
    "函": "Letter",
    "通告": "Circular",
    "公告": "Announcement",
    "暂行办法": "Interim Measures",
    "管理办法": "Administrative Measures",
    "实施办法": "Implementation Measures",
    "办法": "Measures",
    "暂行规定": "Interim Provisions",
    "若干规定": "Several Provisions",
    "规定": "Provisions",
    "实施条例": "Implementing Regulations",
    "条例": "Regulations",
    "实施细则": "Detailed Implementation Rules",
    "细则": "Detailed Rules",
    "规则": "Rules",
    "实施方案": "Implementation Plan",
    "工作方案": "Work Plan",
    "行动方案": "Action Plan",
    "总体方案": "Master Plan",
    "方案": "Plan",
    "行动计划": "Action Plan",
    "计划": "Plan",
    "规划纲要": "Plan Outline",
    "发展规划": "Development Plan",
    "规划": "Plan",
    "行动纲要": "Action Outline",
    "纲要": "Outline",
    "若干措施": "Several Measures",
    "政策措施": "Policy Measures",
    "措施": "Measures",
    "建议": "Recommendations",
    "报告": "Report",
    "指南": "Guidelines",
    "指引": "Guidelines",
    "清单": "List",
    "目录": "Catalogue",
    "标准": "Standards",
    "章程": "Charter",
    "法": "Law",
}
_DOCTYPES_BY_LEN = sorted(DOCTYPES, key=len, reverse=True)
# Types whose English puts the subject after "for" rather than "on" when the
# subject is a verb phrase ("Measures for the Administration of …").
_FOR_TYPES = {"Measures", "Interim Measures", "Action Outline", "Outline", "Guidelines", "Rules"}
# Types rendered as a noun compound after a nominal subject ("… Development Plan").
_COMPOUND_TYPES = {
    "Plan",
    "Development Plan",
    "Action Plan",
    "Master Plan",
    "Work Plan",
    "Implementation Plan",
    "Plan Outline",
    "Outline",
    "Action Outline",
    "List",
    "Catalogue",
    "Standards",
    "Guidelines",
    "Report",
}

ACTIONS: dict[str, str] = {
    "印发": "Issuing",
    "转发": "Forwarding",
    "批转": "Approving and Forwarding",
    "公布": "Publishing",
    "颁布": "Promulgating",
    "发布": "Releasing",
}

# Verbs that open a subject clause, as official titles render them (gerunds).
VERBS: dict[str, str] = {
    "促进": "Promoting",
    "推动": "Promoting",
    "推进": "Advancing",
    "加快": "Accelerating",
    "加强": "Strengthening",
    "强化": "Strengthening",
    "深化": "Deepening",
    "完善": "Improving",
    "健全": "Improving",
    "建立健全": "Establishing and Improving",
    "建立": "Establishing",
    "构建": "Building",
    "建设": "Building",
    "打造": "Building",
    "实施": "Implementing",
    "实行": "Implementing",
    "贯彻": "Implementing",
    "落实": "Implementing",
    "贯彻落实": "Implementing",
    "开展": "Carrying Out",
    "做好": "Doing a Good Job in",
    "优化": "Optimizing",
    "提高": "Improving",
    "提升": "Enhancing",
    "增强": "Enhancing",
    "支持": "Supporting",
    "鼓励": "Encouraging",
    "扩大": "Expanding",
    "培育": "Cultivating",
    "发展": "Developing",
    "保障": "Ensuring",
    "维护": "Safeguarding",
    "规范": "Regulating",
    "防范": "Forestalling",
    "防止": "Preventing",
    "营造": "Creating",
    "加大": "Increasing",
    "统筹": "Coordinating",
    "激发": "Stimulating",
    "降低": "Reducing",
    "减轻": "Reducing",
    "引导": "Guiding",
    "制定": "Formulating",
    "修订": "Revising",
    "修改": "Amending",
    "设立": "Establishing",
    "调整": "Adjusting",
    "取消": "Canceling",
    "下放": "Delegating",
    "废止": "Repealing",
    "利用": "Utilizing",
    "吸引": "Attracting",
    "引进": "Introducing",
    "巩固": "Consolidating",
    "拓展": "Expanding",
    "改进": "Improving",
    "改善": "Improving",
    "解决": "Solving",
    "稳定": "Stabilizing",
    "保持": "Maintaining",
    "加强和改进": "Strengthening and Improving",
    "建立完善": "Establishing and Improving",
    "推广": "Promoting",
    "应对": "Responding to",
    "做强做优做大": "Strengthening, Optimizing and Expanding",
    "清理": "Clearing Up",
    "整治": "Rectifying",
    "保护": "Protecting",
    "服务": "Serving",
    "助力": "Helping",
    "聚焦": "Focusing on",
    "培养": "Training",
    "招引": "Attracting",
    "推行": "Implementing",
    "探索": "Exploring",
    "创建": "Creating",
}
ADVERBS: dict[str, str] = {
    "进一步": "Further",
    "全面": "Comprehensively",
    "积极": "Actively",
    "大力": "Vigorously",
    "切实": "Effectively",
    "深入": "Thoroughly",
    "扎实": "Solidly",
    "持续": "Continuously",
    "加快": "Accelerating",  # 加快建设 -> "Accelerating the Building of"
    "完整准确全面": "Fully, Accurately and Comprehensively",
    "更好": "Better",
    "有效": "Effectively",
}
# Adjectives that sit between an object and its head (规范健康发展).
ADJECTIVES: dict[str, str] = {
    "规范": "Regulated",
    "健康": "Healthy",
    "持续": "Sustainable",
    "可持续": "Sustainable",
    "高质量": "High-quality",
    "稳定": "Stable",
    "有序": "Orderly",
    "绿色": "Green",
    "平稳": "Steady",
    "创新": "Innovative",
    "协调": "Coordinated",
    "融合": "Integrated",
    "一体化": "Integrated",
    "安全": "Secure",
    "稳步": "Steady",
    "快速": "Rapid",
    "长远": "Long-term",
}
# Head nouns that take "the H of NP" when a verb governs them.
HEADS: dict[str, str] = {
    "发展": "Development",
    "建设": "Building",
    "改革": "Reform",
    "管理": "Administration",
    "保护": "Protection",
    "质量": "Quality",
    "现代化": "Modernization",
    "转化": "Transformation",
    "转型": "Transformation",
    "升级": "Upgrading",
    "转型升级": "Transformation and Upgrading",
    "改革发展": "Reform and Development",
    "作用": "Role",
    "水平": "Level",
    "能力": "Capacity",
    "工作": "Work",
    "监管": "Regulation",
    "治理": "Governance",
    "振兴": "Revitalization",
    "增长": "Growth",
    "发展壮大": "Growth",
}
# A verb used as the object of another verb (加快建设 -> "Accelerating the Building of").
_VERB_NOUNS: dict[str, str] = {
    "建设": "Building",
    "完善": "Improvement",
    "推进": "Advancement",
    "发展": "Development",
    "构建": "Building",
    "实施": "Implementation",
    "培育": "Cultivation",
    "改革": "Reform",
    "管理": "Administration",
    "审查": "Review",
    "保护": "Protection",
    "监管": "Regulation",
}
CONJ: dict[str, str] = {
    "和": "and",
    "与": "and",
    "及": "and",
    "及其": "and Its",
    "、": ",",
    "并": "and",
}

ISSUERS: dict[str, str] = {
    "国务院": "the State Council",
    "国务院办公厅": "the General Office of the State Council",
    "中共中央": "the CPC Central Committee",
    "中共中央办公厅": "the General Office of the CPC Central Committee",
    "全国人民代表大会": "the National People's Congress",
    "全国人民代表大会常务委员会": "the Standing Committee of the National People's Congress",
    "全国人大常委会": "the Standing Committee of the National People's Congress",
}
REGIONS: dict[str, str] = {
    "北京": "Beijing",
    "天津": "Tianjin",
    "上海": "Shanghai",
    "重庆": "Chongqing",
    "河北": "Hebei",
    "山西": "Shanxi",
    "辽宁": "Liaoning",
    "吉林": "Jilin",
    "黑龙江": "Heilongjiang",
    "江苏": "Jiangsu",
    "浙江": "Zhejiang",
    "安徽": "Anhui",
    "福建": "Fujian",
    "江西": "Jiangxi",
    "山东": "Shandong",
    "河南": "Henan",
    "湖北": "Hubei",
    "湖南": "Hunan",
    "广东": "Guangdong",
    "海南": "Hainan",
    "四川": "Sichuan",
    "贵州": "Guizhou",
    "云南": "Yunnan",
    "陕西": "Shaanxi",
    "甘肃": "Gansu",
    "青海": "Qinghai",
    "台湾": "Taiwan",
    "内蒙古": "Inner Mongolia",
    "广西": "Guangxi",
    "西藏": "Tibet",
    "宁夏": "Ningxia",
    "新疆": "Xinjiang",
    "香港": "Hong Kong",
    "澳门": "Macao",
}
_REGION_UNITS = (
    ("回族自治区", "Hui Autonomous Region"),
    ("壮族自治区", "Zhuang Autonomous Region"),
    ("维吾尔自治区", "Uygur Autonomous Region"),
    ("自治区", "Autonomous Region"),
    ("省", "Provincial"),
    ("市", "Municipal"),
)
_ORG_TAILS = (
    ("人民政府办公厅", "General Office of the {r} People's Government"),
    ("人民政府办公室", "General Office of the {r} People's Government"),
    ("政府办公厅", "General Office of the {r} People's Government"),
    ("人民政府", "{r} People's Government"),
    ("政府", "{r} People's Government"),
    ("人民代表大会常务委员会", "Standing Committee of the {r} People's Congress"),
    ("人大常委会", "Standing Committee of the {r} People's Congress"),
    ("发展改革委", "{r} Development and Reform Commission"),
    ("发展和改革委员会", "{r} Development and Reform Commission"),
)

_PRC = "中华人民共和国"
_PRC_EN = "the People's Republic of China"
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "over",
        "the",
        "to",
        "under",
        "with",
        "via",
    ]
)


def _cn_number(s: str) -> int | None:
    """十四 -> 14, 二十 -> 20, 五 -> 5 (small ordinals in titles)."""
    if not s or any(ch not in CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s and len(s) != 1:
        return None  # 二〇 is a year's digits, not a number
    return cn_to_int(s)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- data classes ---------------------------------------------------------------


@dataclass
class TitleStructure:
    """What :func:`parse_title` finds in a Chinese title."""

    title: str  # normalized (simplified, spaces cleaned)
    issuers: list[str] = field(default_factory=list)
    doctype: str | None = None  # 指导意见, 通知, 法 ...
    subject: str = ""  # what the document is about (after 关于, before 的+doctype)
    inner_title: str | None = None  # X of 关于印发《X》的通知 / 转发X的通知
    action: str | None = None  # 印发 / 转发 / ...
    is_law: bool = False  # 中华人民共和国X法
    suffix: str = ""  # trailing parenthetical: （2021—2035年）, （试行）
    parts: list[tuple[str, str]] = field(default_factory=list)  # (role, zh) in order


@dataclass
class DraftTitle:
    text: str
    used: list[tuple[str, str, str]] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    confidence: float = 0.0
    label: str = DRAFT_LABEL


# --- parsing ----------------------------------------------------------------------

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff》」”])\s+(?=[\u3400-\u9fff《「“])")
_TRAILING_PAREN = re.compile(r"[（(]([^（）()]{1,30})[）)]$")


def _normalize(zh: str) -> str:
    zh = unicodedata.normalize("NFC", zh)
    zh = zh.replace("\u3000", " ").replace("\u2002", " ")
    zh = " ".join(zh.split())
    return to_simplified(zh)


def _check(zh: object) -> str:
    if not isinstance(zh, str):
        raise InputError("a title must be text", hint=f"got {type(zh).__name__}")
    text = _normalize(zh)
    if not text:
        raise InputError("empty title", hint="give a Chinese policy title, e.g. 国务院关于…的意见")
    if len(text) > MAX_TITLE:
        raise InputError(
            f"title too long ({len(text)} characters)",
            hint=f"a policy title has at most {MAX_TITLE} characters; pass the title, not the text",
        )
    return text


def _split_issuers(head: str) -> list[str]:
    head = head.strip()
    if not head:
        return []
    parts = [p for p in re.split(r"[\s、，,]+", head) if p]
    out: list[str] = []
    for p in parts:
        # 国家发展改革委等部门 -> 国家发展改革委, 等部门
        m = re.match(r"^(.+?)(等[\d一二三四五六七八九十]*(?:个)?部门)$", p)
        if m:
            out += [m.group(1), m.group(2)]
        else:
            out.append(p)
    return out


def _spans_term(text: str, tail: int, lookup: Lookup) -> bool:
    """True when a glossary term covers the boundary before the last ``tail``
    characters (负面清单 must not lose 清单 to the document type)."""
    for k in range(1, min(8, len(text) - tail) + 1):
        piece = text[-(tail + k) :]
        try:
            # 负面清单 is a term and 负面 alone is not: keep it whole. 管理条例
            # is a term too, but 管理 stands alone, so 条例 is the type.
            if lookup(piece) and not lookup(piece[:-tail]):
                return True
        except Exception:  # noqa: BLE001 - a broken lookup only loses this refinement
            return False
    return False


def parse_title(zh: str, lookup: Lookup | None = None) -> TitleStructure:
    """Split a Chinese policy title into its parts (see :class:`TitleStructure`).

    With ``lookup``, a document type is not split off a glossary term that
    ends the title (负面清单 stays whole). Raises :class:`InputError` for
    empty, non-text or over-long input.
    """
    text = _check(zh)
    body = _SPACE_BETWEEN_HAN.sub("", text)
    st = TitleStructure(title=body)

    m = _TRAILING_PAREN.search(body)
    if m and m.start() > 0:
        st.suffix = m.group(1)
        body = body[: m.start()]

    idx = body.find("关于")
    if idx >= 0:
        head, rest = text_head(text, body, idx), body[idx + 2 :]
        st.issuers = _split_issuers(head)
        st.parts.append(("issuers", body[:idx]))
        st.parts.append(("about", "关于"))
    else:
        rest = body
        # 中共中央 国务院印发《X》 has no 关于; issuers then come from a known list.
        for name in sorted(ISSUERS, key=len, reverse=True):
            if rest.startswith(name) and len(rest) > len(name) + 2:
                st.issuers = [name]
                rest = rest[len(name) :]
                st.parts.append(("issuers", name))
                break

    # The document type at the end ("的通知", "指导意见", "法").
    for dt in _DOCTYPES_BY_LEN:
        if rest.endswith(dt) and len(rest) > len(dt):
            if lookup is not None and _spans_term(rest, len(dt), lookup):
                continue
            st.doctype = dt
            rest = rest[: -len(dt)]
            break
    if rest.endswith("的") and st.doctype:
        rest = rest[:-1]

    if not st.issuers and rest.startswith(_PRC) and st.doctype == "法":
        st.is_law = True
        rest = rest[len(_PRC) :]

    for act in ACTIONS:
        if rest.startswith(act) and len(rest) > len(act):
            st.action = act
            inner = rest[len(act) :]
            if inner.startswith("《") and inner.endswith("》"):
                inner = inner[1:-1]
            st.inner_title = inner
            break
    st.subject = rest
    if st.action:
        st.parts.append(("action", st.action))
        st.parts.append(("inner_title", st.inner_title or ""))
    else:
        st.parts.append(("subject", rest))
    if st.doctype:
        st.parts.append(("doctype", st.doctype))
    if st.suffix:
        st.parts.append(("suffix", st.suffix))
    return st


def text_head(text: str, body: str, idx: int) -> str:
    """The issuer part before 关于, with the original spaces kept (中共中央 国务院)."""
    # body is text with spaces between Han removed; find the same prefix in text.
    head_chars = body[:idx]
    out, j = [], 0
    for ch in text:
        if j >= len(head_chars):
            break
        if ch == head_chars[j]:
            out.append(ch)
            j += 1
        elif ch == " ":
            out.append(ch)
    return "".join(out)


# --- rendering ------------------------------------------------------------------------


class _Ctx:
    """Per-draft bookkeeping: which terms were used, what was left over."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.used: list[tuple[str, str, str]] = []
        self.untranslated: list[str] = []
        self.known = 0  # Han characters covered by a known term or rule
        self.total = 0

    def note(self, zh: str, en: str, origin: str) -> None:
        if (zh, en, origin) not in self.used:
            self.used.append((zh, en, origin))

    def term(self, zh: str) -> str | None:
        try:
            en = self.lookup(zh)
        except Exception:  # a broken lookup must not break drafting  # noqa: BLE001
            return None
        return en.strip() if isinstance(en, str) and en.strip() else None


def _title_case(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        if not w:
            continue
        if any(c.isupper() for c in w) or not w[0].isalpha():
            # Keep acronyms and given capitals; but a quoted word may need one.
            if w[0] in "\"'(" and len(w) > 1 and w[1].islower():
                w = w[0] + w[1].upper() + w[2:]
            out.append(w)
        elif i > 0 and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append(w[0].upper() + w[1:])
    return " ".join(out)


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Pre-translation of numbers and fixed expressions inside a subject; each maps
# to a placeholder token the tokenizer treats as a literal.
_FIVE_YEAR = re.compile(
    r"[“\"]?第?([一二三四五六七八九十]{1,3})(?:个)?五(?:年)?[”\"]?(?=规划|计划|时期|期间|$)"
)
_FIVE_YEAR_SHORT = re.compile(r"[“\"]([一二三四五六七八九十]{1,3})五[”\"]")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[—–\-－~至]+\s*(\d{4})\s*年?")
_YEAR_BEFORE = re.compile(r"(\d{4})年前")
_YEAR_CN = re.compile(r"([〇零一二三四五六七八九]{4})年")
_YEAR = re.compile(r"(\d{4})\s*年(?:度)?")


def _cn_year(s: str) -> str:
    return "".join(str(CN_DIGITS[c]) for c in s)


def _tokens(zh: str, ctx: _Ctx) -> list[tuple[str, str, str]]:
    """Subject -> [(role, zh, en)], longest match first.

    Roles: verb, adv, adj, head, conj, de, term, lit, unk.
    """
    text = zh
    out: list[tuple[str, str, str]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        # numbers and fixed expressions
        m = _FIVE_YEAR_SHORT.match(text, i) or _FIVE_YEAR.match(text, i)
        if m:
            num = _cn_number(m.group(1))
            if num:
                out.append(("term", m.group(0), f"{_ordinal(num)} Five-Year"))
                ctx.known += len(_HAN_RE.findall(m.group(0)))
                ctx.note(m.group(0), f"{_ordinal(num)} Five-Year", "rule")
                i = m.end()
                continue
        m = _YEAR_RANGE.match(text, i)
        if m:
            out.append(("lit", m.group(0), f"{m.group(1)}-{m.group(2)}"))
            ctx.known += len(_HAN_RE.findall(m.group(0)))
            i = m.end()
            continue
        if text.startswith("新时代", i):
            out.append(("when", "新时代", "in the New Era"))
            ctx.known += 3
            ctx.note("新时代", "in the New Era", "rule")
            i += 3
            continue
        m = _YEAR_BEFORE.match(text, i)
        if m:
            out.append(("when", m.group(0), f"Before {m.group(1)}"))
            ctx.known += 2
            i = m.end()
            continue
        m = _YEAR_CN.match(text, i) or _YEAR.match(text, i)
        if m:
            year = m.group(1) if m.group(1).isdigit() else _cn_year(m.group(1))
            out.append(("lit", m.group(0), year))
            ctx.known += len(_HAN_RE.findall(m.group(0)))
            i = m.end()
            continue
        if ch in '“”"《》「」':
            out.append(("quote", ch, '"'))
            i += 1
            continue
        if not _HAN_RE.match(ch):
            j = i
            while j < n and not _HAN_RE.match(text[j]) and text[j] not in '“”"《》「」、':
                j += 1
            if j == i:  # 、
                out.append(("conj", ch, ","))
                i += 1
                continue
            lit = text[i:j].strip().replace("（", "(").replace("）", ")")
            if lit:
                lit = lit.replace("+", " Plus") if lit == "+" else lit
                out.append(("lit", text[i:j], lit))
            i = j
            continue
        # longest match: glossary terms vs structural words; glossary wins only
        # when strictly longer (促进 is a verb here even if the glossary has it).
        best_len, best = 0, None
        for L in range(min(16, n - i), 0, -1):
            piece = text[i : i + L]
            if not (_HAN_RE.match(piece[-1]) or piece[-1].isalnum() or piece[-1] == "+"):
                continue
            en = ctx.term(piece)
            if en:
                best_len, best = L, ("term", piece, en)
                break
        for table, role in (
            (VERBS, "verb"),
            (ADVERBS, "adv"),
            (HEADS, "head"),
            (ADJECTIVES, "adj"),
        ):
            for L in range(min(6, n - i), 0, -1):
                piece = text[i : i + L]
                if (
                    piece in table
                    and best_len <= L
                    and (best is None or best[0] == "term" or best_len < L)
                ):
                    if best_len < L or best is None or best[0] == "term":
                        best_len, best = L, (role, piece, table[piece])
                    break
        if best is None and ch in CONJ:
            best_len, best = 1, ("conj", ch, CONJ[ch])
        if best is None and ch == "的":
            best_len, best = 1, ("de", ch, "")
        if best is not None:
            role, piece, en = best
            # "和" inside a longer unknown word is handled by the unknown branch.
            out.append(best)
            ctx.known += len(piece)
            ctx.note(piece, en, "glossary" if role == "term" else "rule")
            i += best_len
            continue
        # unknown: take the jieba word starting here (or up to the next known)
        word = _unknown_word(text, i, ctx)
        out.append(("unk", word, ""))
        ctx.untranslated.append(word)
        i += len(word)
    ctx.total += len(_HAN_RE.findall(zh))
    return out


def _unknown_word(text: str, i: int, ctx: _Ctx) -> str:
    from index.segmenter import cut

    pos = 0
    for w in cut(text):
        if pos <= i < pos + len(w):
            word = text[i : pos + len(w)]
            break
        pos += len(w)
    else:
        word = text[i]
    # stop before a character where something known starts
    for k in range(1, len(word)):
        rest = word[k:]
        if any(rest.startswith(v) for v in VERBS) or ctx.term(rest[:2]) or ctx.term(rest):
            return word[:k]
    return word


def _render_np(items: list[tuple[str, str, str]], governed: bool) -> str:
    """Render a noun phrase. With ``governed`` (a verb before it), a trailing head
    becomes "the [Adj] Head of NP" (促进平台经济规范健康发展)."""
    items = [t for t in items if t[0] != "quote" or True]
    if not items:
        return ""
    # A的B -> B of A (only for the last 的)
    de_pos = [k for k, t in enumerate(items) if t[0] == "de"]
    if de_pos:
        k = de_pos[-1]
        left, right = items[:k], items[k + 1 :]
        if left and right:
            return f"{_render_np(right, governed)} of {_render_np(left, False)}".strip()
        items = left or right
    last = items[-1]
    if (
        governed
        and len(items) >= 2
        and last[0] == "term"
        and any(last[1].endswith(h) for h in ("发展", "建设", "改革", "管理", "保护", "现代化"))
        and items[-2][0] in ("term", "unk")
    ):
        # 平台经济 + 规范健康发展 (one glossary term): "the Regulated and Healthy
        # Development of the Platform Economy", as a head would be.
        return f"the {last[2]} of {_words(items[:-1])}"
    if governed and len(items) >= 2 and items[-1][0] == "head":
        head = items[-1][2]
        k = len(items) - 1
        adjs: list[str] = []
        while k > 0 and items[k - 1][0] == "adj":
            adjs.insert(0, items[k - 1][2])
            k -= 1
        obj = items[:k]
        pre = (_join(adjs) + " ") if adjs else ""
        if obj:
            return f"the {pre}{head} of {_words(obj)}"
        return f"{pre}{head}"
    return _words(items)


def _words(items: list[tuple[str, str, str]]) -> str:
    out: list[str] = []
    quote_open = False
    for role, zh, en in items:
        if role == "quote":
            if not quote_open:
                out.append('"')
            else:
                out[-1:] = [out[-1] + '"'] if out else ['"']
            quote_open = not quote_open
            continue
        if role == "unk":
            out.append(f"[{zh}]")
            continue
        if role == "de":
            continue
        if role == "conj" and en == ",":
            if out:
                out[-1] = out[-1] + ","
            continue
        if out and out[-1] == '"':
            out[-1] = '"' + en
        else:
            out.append(en)
    text = " ".join(out)
    return text.replace(" ,", ",")


def _adj_run(toks: list[tuple[str, str, str]], k: int) -> bool:
    """True when toks[k:] is adjectives ending in a head noun (规范 健康 发展)."""
    rest = toks[k + 1 :]
    if not rest:
        return False
    for role, z, _ in rest[:-1]:
        if not (role == "adj" or (role == "verb" and z in ADJECTIVES)):
            return False
    last_role, last_z, _ = rest[-1]
    return last_role == "head" or last_z in HEADS


def _render_subject(zh: str, ctx: _Ctx) -> tuple[str, bool]:
    """Render a subject; returns (english, starts_with_verb)."""
    toks = _tokens(zh, ctx)
    when = [t[2] for t in toks if t[0] == "when"]
    toks = [t for t in toks if t[0] != "when"]
    # clauses: [adv* verb+] NP, split where a verb (possibly after adverbs) starts
    clauses: list[tuple[list[str], list[tuple[str, str, str]]]] = []
    cur_verbs: list[str] = []
    cur_np: list[tuple[str, str, str]] = []
    pending_adv: list[str] = []
    k = 0
    while k < len(toks):
        role, z, en = toks[k]
        nxt = toks[k + 1][0] if k + 1 < len(toks) else None
        if role == "verb" and z in ADJECTIVES and cur_np and _adj_run(toks, k):
            # 平台经济 规范 健康 发展: 规范 modifies 发展 here, it is no new clause
            toks[k] = role_z_en = ("adj", z, ADJECTIVES[z])
            role, z, en = role_z_en
        is_adv = (role == "adv" and z != "加快") or (
            role == "verb" and z in ADVERBS and z != "加快" and nxt in ("verb", "adv")
        )
        if is_adv and nxt in ("verb", "adv"):
            if cur_np:
                clauses.append((cur_verbs, cur_np))
                cur_verbs, cur_np = [], []
            pending_adv.append(ADVERBS.get(z, en))
            k += 1
            continue
        if role == "verb" and not (
            cur_np and cur_np[-1][0] in ("term", "unk") and nxt in (None, "doctype")
        ):
            # a verb at the end of an NP is a head in disguise (审查, 管理)
            if z in HEADS and (nxt is None or nxt == "conj") and cur_np:
                cur_np.append(("head", z, HEADS[z]))
                k += 1
                continue
            if cur_np:
                clauses.append((cur_verbs, cur_np))
                cur_verbs, cur_np = [], []
            if cur_verbs and not cur_np and not pending_adv:
                # two verbs in a row: 加快建设 -> Accelerating the Building of
                cur_np.append(("head", z, _VERB_NOUNS.get(z, HEADS.get(z, en))))
                k += 1
                continue
            verb = en
            if pending_adv:
                verb = " ".join(pending_adv) + " " + en
                pending_adv = []
            cur_verbs.append(verb)
            k += 1
            continue
        if role == "verb" and z in HEADS:
            toks[k] = ("head", z, HEADS[z])
        elif role == "verb":
            toks[k] = ("term", z, _VERB_NOUNS.get(z, en))
        if role == "conj" and cur_verbs and not cur_np:
            k += 1  # 促进和规范: verbs are joined with "and" anyway
            continue
        if pending_adv and role != "verb":
            # an adverb before a noun phrase (全面 + 小康) reads as an adjective
            cur_np.append(("term", "", " ".join(pending_adv)))
            pending_adv = []
        cur_np.append(toks[k])
        k += 1
    if pending_adv:
        cur_verbs.append(" ".join(pending_adv))
    if cur_verbs or cur_np:
        clauses.append((cur_verbs, cur_np))

    rendered: list[str] = []
    starts_with_verb = bool(clauses and clauses[0][0])
    for verbs, np in clauses:
        # "V1 V2 + NP": the second verb's object is a "the Head of" chain
        if verbs and np and np[0][0] == "head" and len(np) > 1:
            head = np[0][2]
            rest = _render_np(np[1:], True)
            phrase = f"the {head} of {rest}"
        else:
            phrase = _render_np(np, bool(verbs))
        if verbs:
            rendered.append(f"{' and '.join(verbs)} {phrase}".strip())
        else:
            rendered.append(phrase)
    text = _join(rendered) if starts_with_verb else " ".join(rendered)
    if when:
        text += " " + " ".join(when)
    return " ".join(text.split()), starts_with_verb


def _render_issuer(name: str, ctx: _Ctx) -> str:
    if name.startswith("等") and name.endswith("部门"):
        ctx.known += len(name)
        return "Other Departments"
    ctx.total += len(name)
    if name in ISSUERS:
        ctx.known += len(name)
        ctx.note(name, ISSUERS[name], "rule")
        return ISSUERS[name]
    en = ctx.term(name)
    if en:
        ctx.known += len(name)
        ctx.note(name, en, "glossary")
        return en if en.lower().startswith("the ") else "the " + en
    # 河南省人民政府办公厅, 郑州市人民政府, 省发展改革委
    for zh_r, en_r in sorted(REGIONS.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(zh_r):
            rest = name[len(zh_r) :]
            unit_en = ""
            for unit, u_en in _REGION_UNITS:
                if rest.startswith(unit):
                    rest, unit_en = rest[len(unit) :], u_en
                    break
            r = f"{en_r} {unit_en}".strip()
            for tail, pattern in _ORG_TAILS:
                if rest == tail:
                    ctx.known += len(name)
                    return "the " + pattern.format(r=r)
            if not rest:
                ctx.known += len(name)
                return r
            sub_en = ctx.term(rest)
            if sub_en:
                ctx.known += len(name)
                return f"the {r} {sub_en}".replace("Provincial Provincial", "Provincial")
    ctx.untranslated.append(name)
    return f"[{name}]"


def _render(st: TitleStructure, ctx: _Ctx, lookup: Lookup) -> str:
    doctype_en = DOCTYPES.get(st.doctype or "", "")
    if st.doctype:
        ctx.known += len(st.doctype)
        ctx.total += len(st.doctype)
        ctx.note(st.doctype, doctype_en, "rule")
    issuers_en = [_render_issuer(i, ctx) for i in st.issuers]
    suffix = ""
    if st.suffix:
        sfx_ctx_toks = _render_subject(st.suffix, ctx)[0]
        suffix = f" ({_title_case(sfx_ctx_toks)})" if sfx_ctx_toks else ""
        suffix = suffix.replace("(Trial)", "(Trial)")

    if st.is_law:
        ctx.known += len(_PRC)
        ctx.total += len(_PRC)
        ctx.note(_PRC, _PRC_EN, "rule")
        subj, verb_first = _render_subject(st.subject, ctx)
        if verb_first:
            return f"Law of {_PRC_EN} on {_title_case(subj)}{suffix}"
        return f"{_title_case(subj)} Law of {_PRC_EN}{suffix}"

    of = ""
    if issuers_en:
        others = [i for i in issuers_en if i != "Other Departments"]
        of = " of " + _join(others)
        if len(others) < len(issuers_en):
            of += " and Other Departments"

    if st.action:
        inner = st.inner_title or ""
        quoted = st.subject[len(st.action) :].startswith("《")
        ctx.known += len(st.action)
        ctx.total += len(st.action)
        ctx.note(st.action, ACTIONS[st.action], "rule")
        inner_st = (
            parse_title(inner, lookup)
            if _HAN_RE.search(inner)
            else TitleStructure(title=inner, subject=inner)
        )
        inner_en = _render(inner_st, ctx, lookup)
        if quoted:
            inner_en = f'"{inner_en}"'
        else:
            inner_en = "the " + inner_en if not inner_en.lower().startswith("the ") else inner_en
        return f"{doctype_en or 'Notice'}{of} on {ACTIONS[st.action]} {inner_en}{suffix}"

    prc_prefix = ""
    subject = st.subject
    if subject.startswith(_PRC):
        prc_prefix = f" of {_PRC_EN}"
        ctx.known += len(_PRC)
        ctx.total += len(_PRC)
        subject = subject[len(_PRC) :]
    subj, verb_first = _render_subject(subject, ctx) if subject else ("", False)
    subj = _title_case(subj)
    if not doctype_en:
        return f"{subj}{prc_prefix}{suffix}".strip()
    about = "关于" in st.title
    if about or issuers_en:
        return f"{doctype_en}{of}{prc_prefix} on {subj}{suffix}"
    if not verb_first and doctype_en in _COMPOUND_TYPES:
        return f"{subj} {doctype_en}{prc_prefix}{suffix}"
    prep = "for" if doctype_en in _FOR_TYPES else "on"
    if doctype_en == "Law":
        return f"{subj} Law{prc_prefix}{suffix}"
    return f"{doctype_en}{prc_prefix} {prep} {subj}{suffix}"


# --- default lookup -------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _default_glossary():  # noqa: ANN202 - Glossary, imported lazily
    from index.glossary import Glossary

    return Glossary.load(cedict=False)


def default_lookup(term: str) -> str | None:
    """Preferred English of a curated glossary term, or None."""
    e = _default_glossary().zh_entry(term)
    return e.preferred if e is not None else None


# --- public API -------------------------------------------------------------------


def draft_title(zh: str, lookup: Lookup | None = None) -> DraftTitle:
    """Draft an English title for a Chinese policy title (labelled as a draft).

    Raises :class:`InputError` for empty, non-text or over-long (> 500
    characters) input; text without Chinese gives an empty draft with
    confidence 0.
    """
    text = _check(zh)
    if not _HAN_RE.search(text):
        return DraftTitle(text="", untranslated=[text], confidence=0.0)
    ctx = _Ctx(lookup or default_lookup)
    whole = ctx.term(_SPACE_BETWEEN_HAN.sub("", text))
    if whole and len(text) >= 4:
        # The whole title is a glossary term (政府工作报告, 中国制造2025).
        ctx.note(text, whole, "glossary")
        return DraftTitle(text=_title_case(whole), used=ctx.used, confidence=1.0)
    st = parse_title(text, ctx.lookup)
    en = _render(st, ctx, ctx.lookup)
    en = " ".join(en.split()).replace(" ,", ",")
    en = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", en))
    conf = ctx.known / ctx.total if ctx.total else 0.0
    return DraftTitle(
        text=en,
        used=ctx.used,
        untranslated=list(dict.fromkeys(ctx.untranslated)),
        confidence=round(min(1.0, conf), 3),
    )
