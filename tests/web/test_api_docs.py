"""The API reference at `/docs` (Swagger UI) works offline: its script and
styles come from this server (the fastapi-offline package), and the page's
Content-Security-Policy allows them. Checked over HTTP and in real headless Chromium on a
real `patronage serve`, with screenshots under test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from patronage.entrypoints.api.app import create_app
from patronage.service.app import Patronage

from .test_browser import ARGS, BIN, CHROMIUM, SHOTS, cli, free_port


def test_docs_assets_are_served_by_this_server(app: Patronage) -> None:
    client = TestClient(create_app(app))
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "googleapis" not in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls), urls
    for url in urls:
        assert url.startswith("/"), url  # nothing from another host
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "cdn" not in policy
    assert client.get("/redoc").status_code == 404  # off: it fetches a logo off-site


def _serve(database: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PATRONAGE_WEBHOOK_WORKER": "false", "PATRONAGE_SCHEDULER": "false"}
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--database", database],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            urllib.request.urlopen(f"{url}/v1/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("docs")
    database = f"sqlite:///{tmp / 'shop.db'}"
    cli(database, "db", "upgrade")
    proc, url = _serve(database, tmp / "server.log")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason="chromium is not installed (scripts/install-browser)")
def test_docs_render_in_chromium(served: str) -> None:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                    if r.status >= 400 else None)
            page.on("request", lambda r: None if r.url.startswith((served, "data:", "blob:"))
                    else problems.append(f"off-site request {r.url}"))
            page.goto(served + "/docs")
            page.get_by_text("/v1/invoices", exact=False).first.wait_for(state="visible")
            assert page.get_by_text("point of sale", exact=False).count() > 0
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "api-docs.png"))
        finally:
            browser.close()
    assert problems == [], problems
