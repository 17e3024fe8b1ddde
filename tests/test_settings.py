"""The server settings table (web/settings.py) against the README, the CLI and the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.errors import DuizhaoError
from web import settings
from web.app import DEFAULTS
from web.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Variables the code reads that are fault-injection hooks for the crash tests, not settings.
TEST_HOOKS = {"DUIZHAO_CRASH_AT", "DUIZHAO_CRASH_FD", "DUIZHAO_CRASH_SKIP"}


def test_readme_has_the_settings_table() -> None:
    m = re.search(r"<!-- settings:[^>]*-->\n(.*?)<!-- /settings -->", README, re.S)
    assert m, "README.md has no settings block (<!-- settings: ... --> ... <!-- /settings -->)"
    assert m.group(1) == settings.markdown_table(), (
        "README.md's settings table is out of date: paste the output of `python -m web.settings`"
    )


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    names: set[str] = set()
    for pkg in ("index", "search", "web"):
        for path in (ROOT / pkg).rglob("*.py"):
            names |= set(re.findall(r"[\"'](DUIZHAO_[A-Z_]+)[\"']", path.read_text("utf-8")))
    names |= {s.env for s in settings.SETTINGS if s.env}
    assert "DUIZHAO_SEARCH_TIME_LIMIT" in names  # the scan sees the table
    undocumented = sorted(n for n in names - TEST_HOOKS if f"${n}" not in README)
    assert not undocumented, f"not in README.md: {undocumented}"


def test_serve_options_come_from_the_table() -> None:
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    serve = sub.choices["serve"]
    options = {a.option_strings[0]: a for a in serve._actions if a.option_strings[0] != "-h"}
    table = {s.option: s for s in settings.SETTINGS if s.option}
    assert set(options) == set(table)
    for opt, action in options.items():
        assert action.default == table[opt].default
        assert action.help.startswith(table[opt].help)


def test_app_defaults_hold_every_app_setting() -> None:
    for name in settings.APP_SETTINGS:
        s = settings.setting(name)
        assert name in DEFAULTS
        # None means "look at the environment" for those that have a variable.
        assert DEFAULTS[name] == (None if s.env else s.default)


def test_value_order_config_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUIZHAO_SEARCH_TIME_LIMIT", raising=False)
    assert settings.value("SEARCH_TIME_LIMIT") == 0.5
    monkeypatch.setenv("DUIZHAO_SEARCH_TIME_LIMIT", " 0.25 ")
    assert settings.value("SEARCH_TIME_LIMIT") == 0.25
    assert settings.value("SEARCH_TIME_LIMIT", "2") == 2.0
    monkeypatch.setenv("DUIZHAO_SEARCH_TIME_LIMIT", "fast")
    with pytest.raises(DuizhaoError, match="DUIZHAO_SEARCH_TIME_LIMIT must be a number"):
        settings.value("SEARCH_TIME_LIMIT")
