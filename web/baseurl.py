"""The public base URL for links that leave the page (the citation line).

Place in the flow: ``duizhao serve --base-url`` / ``$DUIZHAO_BASE_URL`` ->
create_app (web/app.py, ``BASE_URL``) -> **baseurl** -> the document page's
citation (web/ui.py).

The Host header is whatever the client sent: reflected into a citation that a
user copies, it lets anyone make the page cite a host of their choosing. So a
citation uses the configured base URL; the request's own scheme and host only
when the operator allows it (``request``, for a server behind a proxy that
sets Host); otherwise a path without a host.
"""

from __future__ import annotations

import os
import re

from flask import current_app, request

from index.errors import DuizhaoError
from web.settings import setting

FROM_REQUEST = "request"
ENV = str(setting("BASE_URL").env)
_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/\-]*)?$")
_BRACKETED = re.compile(r"^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?(/[^\s?#]*)?$")


def configured_base_url(value: str | None) -> str | None:
    """The checked base URL (without a final /), ``"request"``, or None (paths only).
    ``value`` None: from ``$DUIZHAO_BASE_URL``."""
    raw = (os.environ.get(ENV, "") if value is None else value).strip()
    if not raw:
        return None
    if raw == FROM_REQUEST:
        return raw
    if not (_URL.match(raw) or _BRACKETED.match(raw)):
        raise DuizhaoError(
            f"the base URL must look like https://example.org or https://example.org/prefix, "
            f"got {raw[:80]!r}",
            hint=f"set --base-url (or ${ENV}) to the address users reach this server at, "
            f"or to '{FROM_REQUEST}' to use the address each request came in on",
        )
    return raw.rstrip("/")


def public_url(path: str) -> str:
    """``path`` (starting with /) under the configured base URL."""
    base = current_app.config.get("BASE_URL")
    if base == FROM_REQUEST:
        return request.host_url.rstrip("/") + path
    return (base or "") + path
