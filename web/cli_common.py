"""Setup shared by the ``duizhao`` commands: the glossary and the engine the options ask for.

Place in the flow: web/cli.py and web/cli_lookup.py (the faces) call these
before their library function; neither imports the other for them.
"""

from __future__ import annotations

import argparse
from typing import Any


def glossary_for(args: argparse.Namespace) -> Any:
    """The glossary the options ask for (:func:`index.glossary.glossary_from_args`)."""
    # Imported here: index.glossary pulls in Whoosh, ~30 ms that `duizhao --help` and
    # the commands without a glossary should not pay (measured with -X importtime).
    from index.glossary import glossary_from_args

    return glossary_from_args(args)


def open_engine(args: argparse.Namespace) -> Any:
    """The engine over ``--index`` with the glossary the options ask for, and the
    command line's time limit per search (the ``CLI_SEARCH_TIME_LIMIT`` setting)."""
    # Imported here for the same reason: search.engine costs ~90 ms to import.
    from search.engine import Engine
    from web.settings import value

    engine = Engine(args.index, glossary=glossary_for(args))
    # A served search has 0.5 s: enough once warm-up has built the caches. Here the
    # first search builds them (an English title's CC-CEDICT senses and the title
    # lookup's term statistics, ~8 s on the sample corpus) and came back cut short, empty.
    engine.backend.time_limit = value("CLI_SEARCH_TIME_LIMIT")
    return engine
