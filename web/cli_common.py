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
    """The engine over ``--index`` with the glossary the options ask for."""
    # Imported here for the same reason: search.engine costs ~90 ms to import.
    from search.engine import Engine

    return Engine(args.index, glossary=glossary_for(args))
