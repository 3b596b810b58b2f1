"""The admin page over HTTP (a real server on 127.0.0.1 beside a real bot): who gets in, CSRF, cookie flags, one-line
messages for bad input, and the CLI commands that do what the page does."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from adapters.admin.charts import rate_line, stacked_bars, top_series
from adapters.admin.desk import safe_name
from adapters.serve import with_admin
from bot.common.config import Settings
from bot.common.errors import ConfigError
from bot.core.bot import Bot
from bot.wiring import build_bot
from knowledge.chroma import WriterLock
from tests.admin_harness import TOKEN, AdminServer, admin_settings, serving
from tests.clirun import run_cli

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def served(kb_copy: Path) -> Iterator[tuple[AdminServer, Bot, Settings]]:
    with serving(kb_copy) as running:
        yield running


def _client(server: AdminServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)


def _logged_in(server: AdminServer) -> tuple[httpx.Client, str]:
    client = _client(server)
    csrf = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"csrf": csrf, "token": TOKEN})
    assert done.status_code == 303 and done.headers["location"] == "/admin/articles"
    page = client.get("/articles")
    return client, CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def test_nothing_without_the_token(served) -> None:
    server, _, _ = served
    with _client(server) as client:
        assert client.get("/articles").headers["location"] == "/admin/login"
        refused = client.post("/articles/remove", data={"id": "2023-03-china-russia-multilateralism"})
        assert refused.status_code == 403 and refused.text.startswith("Log in first")
        csrf = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        wrong = client.post("/login", data={"csrf": csrf, "token": TOKEN[:-1] + "x"})
        assert wrong.status_code == 401 and "Access refused" in wrong.text
        assert client.get("/gaps").status_code == 303
        for _ in range(12):  # ten tries a minute per address, then a wait
            last = client.post("/login", data={"csrf": csrf, "token": "guess-guess-guess-guess"})
        assert last.status_code == 429 and "wait a minute" in last.text


def test_the_session_cookie_and_the_headers(served) -> None:
    server, _, _ = served
    with _client(server) as client:
        csrf = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        done = client.post("/login", data={"csrf": csrf, "token": TOKEN})
        cookie = done.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie
        page = client.get("/articles")
        assert page.status_code == 200
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        assert "https://" not in page.text.split("<main")[0]  # nothing from a CDN: script and style are our own
        assert client.get("/static/htmx.min.js").status_code == 200


def test_forms_need_the_sessions_csrf_token(served) -> None:
    server, bot, _ = served
    client, csrf = _logged_in(server)
    with closing(client):
        forged = client.post("/articles/remove", data={"id": "2023-03-china-russia-multilateralism"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert len(bot.articles()) == 1
        other = client.post("/articles/remove", data={"id": "x", "csrf": "a-token-from-elsewhere"})
        assert other.status_code == 403


def test_bad_uploads_and_addresses_get_one_line(served) -> None:
    server, _, settings = served
    client, csrf = _logged_in(server)
    with closing(client):
        empty = client.post("/articles/upload", data={"csrf": csrf}, files={"file": ("blank.md", b"  \n")},
                            follow_redirects=True)
        assert re.search(r'class="flash error">skipped blank\.md: [^<]+</li>', empty.text)
        assert not (settings.data_dir / "uploads" / "blank.md").exists()  # a file that failed is not kept
        big = client.post("/articles/upload", data={"csrf": csrf},
                          files={"file": ("huge.pdf", b"%PDF" + b"0" * (settings.max_article_bytes * 20 + 70_000))},
                          follow_redirects=True)
        assert "too big for one article" in big.text
        url = client.post("/articles/url", data={"csrf": csrf, "url": "ftp://example"}, follow_redirects=True)
        assert "starting with http:// or https://" in url.text
        unknown = client.post("/articles/reindex", data={"csrf": csrf, "id": "nope"}, follow_redirects=True)
        assert "no article with the id &#39;nope&#39; is indexed" in unknown.text
        again = client.post("/articles/reindex", data={"csrf": csrf, "id": "2023-03-china-russia-multilateralism"},
                            follow_redirects=True)
        assert "unchanged 2023-03-china-russia-multilateralism" in again.text
        empty_q = client.post("/try", data={"csrf": csrf, "question": "   "})
        assert empty_q.status_code == 400 and 'role="alert"' in empty_q.text


def test_a_gap_is_rechecked_without_leaving_a_trace(served) -> None:
    server, bot, _ = served
    bot.answer("What is the population of Reykjavik?", "console")
    client, csrf = _logged_in(server)
    with closing(client):
        page = client.post("/gaps/recheck", data={"csrf": csrf, "question": "What is the population of Reykjavik?"},
                           follow_redirects=True)
        assert "Still refused" in page.text and page.text.count("What is the population of Reykjavik?") >= 2
        usage = client.get("/usage")
        assert '<dd id="total-questions">1</dd>' in usage.text  # the recheck was not counted


def test_serve_mounts_admin_only_with_a_token(kb_copy: Path) -> None:
    from starlette.applications import Starlette  # optional: the server extra (present in the dev install)

    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy)}))
    try:
        plain = with_admin(Starlette(), Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy)}))
        assert not any(getattr(r, "path", "") == "/admin" for r in plain.routes)
        web = Starlette()
        web.state.bot = bot
        with_admin(web, admin_settings(kb_copy))
        assert any(getattr(r, "path", "") == "/admin" for r in web.routes)
        web.router.routes[-1].app.state.desk.close()  # type: ignore[attr-defined]
    finally:
        bot.close()


def test_the_token_must_be_long_enough() -> None:
    with pytest.raises(ConfigError, match="BRIEFBOT_ADMIN_TOKEN must be at least 16 characters"):
        Settings.from_env({"BRIEFBOT_ADMIN_TOKEN": "short"})


def test_briefbot_admin_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    done = run_cli(["admin"], tmp_path / "data")
    assert done.returncode == 2
    assert done.stderr.startswith("briefbot: BRIEFBOT_ADMIN_TOKEN is not set") and len(done.stderr.splitlines()) == 1


def test_the_page_actions_are_cli_commands(kb_copy: Path) -> None:
    """usage, articles --search, reindex, gaps --handle: the same figures and actions as the page."""
    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy)}))
    try:
        bot.answer("What is the population of Reykjavik?", "slack:T1:C0NEWS:1.0")
        bot.answer("How many deported children does the conference aim to trace?", "discord:5:77")
    finally:
        bot.close()
    usage = json.loads(run_cli(["usage", "--json"], kb_copy).stdout)
    assert usage["total"]["questions"] == 2 and usage["total"]["refused"] == 1
    assert {(c["platform"], c["channel"], c["questions"]) for c in usage["by_channel"]} == {
        ("slack", "C0NEWS", 1), ("discord", "77", 1)}
    only = json.loads(run_cli(["usage", "--json", "--platform", "discord"], kb_copy).stdout)
    assert only["total"]["questions"] == 1 and only["total"]["refused"] == 0
    found = run_cli(["articles", "--search", "china 2023"], kb_copy)
    assert "1 article(s)" in found.stdout
    assert "No article matches" in run_cli(["articles", "--search", "texel"], kb_copy).stdout
    again = run_cli(["reindex", "2023-03-china-russia-multilateralism", "nope"], kb_copy)
    assert again.returncode == 1 and "1 unchanged" in again.stdout and "no article with the id 'nope'" in again.stderr
    groups = [json.loads(line) for line in run_cli(["gaps", "--json", "--recheck"], kb_copy).stdout.splitlines()]
    assert len(groups) == 1 and groups[0]["still_refuses"] is True and groups[0]["handled"] is False
    handled = run_cli(["gaps", "--handle", groups[0]["id"]], kb_copy)
    assert handled.returncode == 0 and handled.stdout.startswith(f"handled {groups[0]['id']}")
    assert run_cli(["gaps"], kb_copy).stdout.startswith("No refused, 👎 or escalated questions yet")
    assert "Reykjavik" in run_cli(["gaps", "--show", "handled"], kb_copy).stdout
    bad = run_cli(["gaps", "--handle", "deadbeef"], kb_copy)
    assert bad.returncode == 1 and "no open group has the id 'deadbeef'" in bad.stderr
    assert "is not a day" in run_cli(["feedback", "--since", "May"], kb_copy).stderr


def test_upload_names_are_made_safe() -> None:
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("C:\\Users\\me\\Mijn artikel (1).nl.md") == "Mijn-artikel-1-.nl.md"
    assert safe_name("...") == "upload"


def test_charts_show_the_counts() -> None:
    days = ["2024-05-01", "2024-05-02", "2024-05-03"]
    svg = stacked_bars(days, {"slack:C1": (2, 0, 1), "console": (0, 3, 0)}, "Questions")
    bars = re.findall(r'data-day="([^"]+)" data-series="([^"]+)" data-count="(\d+)"', svg)
    assert sorted(bars) == [("2024-05-01", "slack:C1", "2"), ("2024-05-02", "console", "3"),
                            ("2024-05-03", "slack:C1", "1")]
    assert 'role="img"' in svg and "<title" in svg and "6 questions over 3 day(s)" in svg
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    line = rate_line(days, [0.5, None, 0.25], "Refusals")
    assert line.count("<circle") == 2 and 'data-rate="0.5000"' in line
    many = top_series({f"s{i}": (i,) for i in range(12)}, keep=3)
    assert list(many) == ["s11", "s10", "s9", "other"] and many["other"] == (sum(range(9)),)
    assert "&lt;b&gt;" in stacked_bars(days[:1], {"<b>": (1,)}, "x")  # names are escaped


def test_briefbot_admin_beside_a_running_bot_says_what_to_do(kb_copy: Path) -> None:
    """The embedded store admits one process: the page then names the two ways out."""
    lock = WriterLock(kb_copy)
    try:
        done = run_cli(["admin", "--port", "1"], kb_copy, env={"BRIEFBOT_ADMIN_TOKEN": TOKEN})
    finally:
        lock.release()
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "already open in process" in done.stderr and "Chroma server" in done.stderr
