"""Document types and levels: the vocabulary the index files documents under.

Place in the flow: readers (``index/readers.py``, through ``index.structure.doctype_of``)
take a document's type from the end of its title; levels come with the sources;
facets, filters (``search/filters.py``) and the authority ranking
(``index/title_rank.py``) read both from here, and query intent (``search/intent.py``)
the endings that make a query a title or a law's name.

Not here, and why: the English renderings of document types for drafted titles
(``search/data/title_words.tsv``, kind ``doctype``) and the glossary's ``doctype``
entries (``index/data/glossary.tsv``) overlap with ``DOCTYPES`` but are not the same
set; each feeds what is indexed (the doctype facet, the drafted English title, the
segmentation and expansion words), so joining them would change the index.
"""

from __future__ import annotations

# Levels as the sources and flk.npc.gov.cn name them; free text is allowed
# for user corpora, these are the known ones (used for facets and docs).
LEVELS = (
    "宪法",
    "法律",
    "行政法规",
    "司法解释",
    "部门规章",
    "地方性法规",
    "地方政府规章",
    "规范性文件",
    "工作报告",
    "案例",
    "其他",
)

# Higher is more authoritative (``index.title_rank``). Levels missing here rank
# by region and issuer instead.
LEVEL_RANK = {
    "宪法": 8,
    "法律": 7,
    "行政法规": 6,
    "司法解释": 5,
    "部门规章": 3,
    "地方性法规": 2,
    "案例": 0,
    "其他": 0,
}

# Document types as a Chinese title ends with them (…的指导意见 -> 指导意见): the
# doctype facet. A type that ends another one comes after it (实施细则 before 细则).
DOCTYPES = (
    "实施细则",
    "实施办法",
    "暂行办法",
    "管理办法",
    "实施意见",
    "指导意见",
    "若干意见",
    "若干规定",
    "暂行规定",
    "行动计划",
    "行动方案",
    "工作方案",
    "实施方案",
    "工作要点",
    "决定",
    "决议",
    "条例",
    "办法",
    "规定",
    "细则",
    "意见",
    "通知",
    "通告",
    "公告",
    "方案",
    "规划",
    "纲要",
    "批复",
    "函",
    "法",
    "规则",
    "解释",
    "答复",
    "报告",
    "计划",
    "措施",
    "指引",
    "指南",
    "标准",
)


# Endings a pasted title may have that the doctype facet does not file documents
# under (query intent, ``search.intent``, only).
_MORE_TITLE_ENDINGS = (
    "补充通知",
    "紧急通知",
    "工作报告",
    "修正案",
    "复函",
    "要点",
    "通报",
    "命令",
    "令",
    "公示",
    "法典",
    "目录",
    "清单",
    "章程",
    "准则",
)
# What a query that is a Chinese title ends with (matched with str.endswith, so the
# order does not matter).
TITLE_ENDINGS = DOCTYPES + _MORE_TITLE_ENDINGS
# What the short name of a law or regulation ends with.
NAME_ENDINGS = ("法", "法典", "条例", "规定", "办法", "细则", "规则", "解释", "宪法", "修正案")
