"""The dashboard's static files: types, caching, security headers, no way out of api/web/,
and the CSP-compatibility rules the JavaScript must keep (checked on the source)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.web.serve import WEB_ROOT
from storage.sqlite import SqliteJournal
from tests.harness import Harness

JS = sorted((WEB_ROOT / "assets" / "js").glob("*.js"))


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[object]:
    """Static files do not touch the journal: SQLite only."""
    h = Harness(lambda: SqliteJournal(tmp_path / "journal.sqlite3"), tmp_path)
    try:
        yield await h.start()
    finally:
        await h.stop()


@pytest.mark.parametrize(("path", "content_type"), [
    ("/", "text/html; charset=utf-8"),
    ("/assets/app.css", "text/css; charset=utf-8"),
    ("/assets/js/main.js", "text/javascript; charset=utf-8"),
    ("/assets/favicon.svg", "image/svg+xml"),
])
async def test_files_are_served_with_their_type_and_headers(client: object, path: str, content_type: str) -> None:
    r = await client.get(path)  # type: ignore[attr-defined]
    assert r.status_code == 200
    assert r.headers["Content-Type"] == content_type
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe-inline" not in csp
    assert r.headers["Cache-Control"] == "no-cache"
    etag = r.headers["ETag"]
    again = await client.get(path, headers={"If-None-Match": etag})  # type: ignore[attr-defined]
    assert again.status_code == 304
    assert await again.get_data() == b""
    assert again.headers["ETag"] == etag


@pytest.mark.parametrize("path", [
    "/assets/../../settings.py", "/assets/%2e%2e/%2e%2e/settings.py", "/assets/js", "/assets/nothing.js",
    "/assets/.secret", "/assets/js/.hidden.js", "/index.html", "/assets/app.py",
])
async def test_nothing_outside_the_known_files(client: object, path: str) -> None:
    r = await client.get(path)  # type: ignore[attr-defined]
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    assert (await r.get_json())["code"] == "not_found"


async def test_the_api_still_answers_problems_next_to_the_site(client: object) -> None:
    r = await client.get("/api/v1/nope")  # type: ignore[attr-defined]
    assert r.status_code == 404 and (await r.get_json())["code"] == "not_found"


def test_index_has_no_inline_script_or_style() -> None:
    html = (WEB_ROOT / "index.html").read_text(encoding="utf-8")
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, script
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None  # no inline body
    assert "<style" not in html
    assert re.search(r"\sstyle\s*=", html) is None
    assert re.search(r"\son[a-z]+\s*=", html) is None


@pytest.mark.parametrize("path", JS, ids=lambda p: p.name)
def test_javascript_never_parses_strings_as_html_or_code(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                   "new Function", "setAttribute(\"style\"", "setAttribute('style'", ".cssText"):
        assert banned not in source, f"{path.name} uses {banned}"
    for target in re.findall(r'from "(\./[^"]+)"', source):
        assert (path.parent / target).is_file(), f"{path.name} imports missing {target}"

