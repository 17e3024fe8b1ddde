"""How every browser check launches Debian's headless chromium (one place).

Used by tests/test_browser.py and by scripts/ci-demo (the README's main command in CI).
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("DUIZHAO_CHROMIUM", "/usr/bin/chromium")
# Playwright adds --headless itself. No sandbox (CI containers run as root), no GPU,
# and nothing that phones home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
