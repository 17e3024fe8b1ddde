"""Shared fixtures: a small real on-disk index built from documents we wrote.

The fixture corpus (tests/fixtures/docs.jsonl) has simplified, traditional,
English and mixed documents, laws with articles and title-only records. Tests
that need the real data in ../shared are marked ``integration`` and skip when
it is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from index import segmenter
from index.config import shared_data_dir
from index.readers import read_paths
from index.whoosh_backend import WhooshBackend

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = FIXTURES / "docs.jsonl"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if not (d / "laws.jsonl.gz").exists():
        pytest.skip("../shared/data is not present")
    return d


@pytest.fixture(scope="session")
def eval_index() -> Path:
    """The full sample index the evaluation tests read: ``$DUIZHAO_EVAL_INDEX``.

    Unset, the tests that need it skip (scripts/test and CI set it). Set to a folder
    without an index, they fail: an evaluation that quietly did not run is not a
    pass. A stale index fails too, where the test opens it (:func:`stale_index`).
    """
    env = os.environ.get("DUIZHAO_EVAL_INDEX")
    if not env:
        pytest.skip("set DUIZHAO_EVAL_INDEX to a full sample index (scripts/test builds one)")
    path = Path(env)
    if not (path / "duizhao.json").exists():
        pytest.fail(
            f"DUIZHAO_EVAL_INDEX={env} holds no index: build it with "
            f"`duizhao --index {env} index --sample`"
        )
    return path


def stale_index(path: Path, message: str) -> None:
    """Fail the test: the evaluation index is from another version or glossary."""
    pytest.fail(
        f"the evaluation index at {path} is stale ({message}): rebuild it with "
        f"`duizhao --index {path} index --sample --rebuild`"
    )


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the fixture documents, built without glossary words."""
    path = tmp_path_factory.mktemp("fixture-index")
    segmenter.configure([])
    backend = WhooshBackend(path, create=True)
    report = backend.add_documents(read_paths([DOCS]))
    assert not report.problems, report.problems
    backend.close()
    return path


@pytest.fixture
def engine(fixture_index: Path):
    from conftest_web import FUNCTIONAL_TIME_LIMIT

    from search.engine import Engine

    segmenter.configure([])
    eng = Engine(fixture_index)
    # What a search finds must not depend on how busy the machine is: the per-search
    # time limit is a speed guard, tested by tests that set their own limit or clock.
    eng.backend.time_limit = FUNCTIONAL_TIME_LIMIT
    return eng


@pytest.fixture
def writable_index(tmp_path: Path, fixture_index: Path) -> Path:
    """A private copy of the fixture index that a test may change."""
    dst = tmp_path / "index"
    shutil.copytree(fixture_index, dst)
    segmenter.configure([])
    return dst


@pytest.fixture(autouse=True)
def _no_user_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DUIZHAO_INDEX", "DUIZHAO_GLOSSARY"):
        if var in os.environ and not os.environ.get("DUIZHAO_KEEP_ENV"):
            monkeypatch.delenv(var)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """The web app on the conftest_web fixture index, one per module and closed after it.

    A module that needs another configuration defines its own ``app``; ``client``
    below then uses that one.
    """
    from web_apps import owned_app

    with owned_app(tmp_path_factory.mktemp("web-app")) as app:
        yield app


@pytest.fixture
def client(app):
    """A test client; the segmenter is set back first (other modules reset it)."""
    from conftest_web import configure_segmenter

    configure_segmenter()
    return app.test_client()
