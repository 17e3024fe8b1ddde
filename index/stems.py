"""The words whose Porter stems would collide, kept apart.

Place in the flow: the last step of one English word's index term
(:func:`index.analysis.latin_term`, used for documents, queries and every glossary,
CC-CEDICT and title-lookup comparison through ``en_key``).

Porter joins words a policy reader keeps apart: "general" (General Office, 办公厅),
"generation" (新一代) and "generative" (生成式) all stem to "gener"; "internal",
"international" and "intern" to "intern"; "securities" (证券) and "security" (安全)
to "secur"; "emergency" (应急) and "emerging" (新兴) to "emerg". The table
``data/stem_exceptions.tsv`` (word, term) gives such words a term of their own -- or
the term of the family they belong to (production with producing, 生产; not with
product, 产品). A change to it changes index terms: its rows are part of the analysis
fingerprint (``index.segmenter``), so an index built before the change is refused until
it is rebuilt.
"""

from __future__ import annotations

import functools
from pathlib import Path

EXCEPTIONS_FILE = Path(__file__).resolve().parent / "data" / "stem_exceptions.tsv"


@functools.lru_cache(maxsize=1)
def exceptions() -> dict[str, str]:
    """word -> term, from ``data/stem_exceptions.tsv``."""
    table: dict[str, str] = {}
    for line in EXCEPTIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, term = line.split("\t")
            table[word.strip()] = term.strip()
    return table
