"""The admin page in a real browser (Debian's chromium under Playwright): refused without the token; log in; upload
an article and see it listed; ask about it on Try it and see its citation; remove it; a question the console could
not answer appears under Gaps; the usage chart counts what was asked."""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from adapters.console import run_console
from bot.common.config import Settings
from bot.core.bot import Bot
from tests.admin_harness import TOKEN, AdminServer, chromium, serving

pytestmark = pytest.mark.slow

ARTICLE = """---
title: A new ferry to Texel enters service
date: 2024-05-02
language: en
---
The new ferry Texelstroom II entered service between Den Helder and Texel on Thursday.

The ship can carry 1,750 passengers and 350 cars, the ferry company TESO said.

The crossing takes twenty minutes, as it did with the old ship.
"""


@pytest.fixture
def served(kb_copy: Path) -> Iterator[tuple[AdminServer, Bot, Settings]]:
    with serving(kb_copy) as running:
        yield running


def _log_in(page, url: str, token: str) -> None:
    page.goto(url + "/login")
    page.fill("#token", token)
    page.click("form.card button[type=submit]")


def test_an_editor_works_the_page_in_a_browser(served, tmp_path: Path) -> None:
    server, bot, settings = served
    article = tmp_path / "2024-05-ferry-texel.en.md"
    article.write_text(ARTICLE, encoding="utf-8")
    bad = tmp_path / "minutes.docx"
    bad.write_bytes(b"PK\x03\x04 not an article")
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Remove …?" (htmx's hx-confirm)

        page.goto(server.url + "/articles")  # no session: sent to the login page
        expect(page).to_have_url(server.url + "/login")
        _log_in(page, server.url, "not-the-token-at-all-000")
        expect(page.get_by_role("alert")).to_contain_text("Access refused")
        page.goto(server.url + "/usage")
        expect(page).to_have_url(server.url + "/login")

        _log_in(page, server.url, TOKEN)
        expect(page).to_have_url(server.url + "/articles")
        cookie = next(c for c in context.cookies() if c["name"] == "briefbot_admin")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"

        page.set_input_files("#file", str(article))
        page.click("text=Upload and index")
        expect(page.locator(".flash.ok")).to_contain_text("added 2024-05-ferry-texel")
        expect(page.locator("#article-list")).to_contain_text("A new ferry to Texel enters service")

        page.set_input_files("#file", str(bad))
        page.click("text=Upload and index")
        expect(page.locator(".flash.error")).to_have_text(
            "skipped minutes.docx: briefbot does not read .docx files (it reads .md, .markdown, .txt, .html, .htm, "
            ".pdf)")

        page.wait_for_load_state("load")  # htmx binds its triggers once the page has loaded; typing before is lost
        page.wait_for_function("() => window.htmx !== undefined")
        page.fill("#q", "texel")  # htmx searches as one types
        expect(page.locator("#list-heading")).to_have_text("1 article matching “texel”")

        page.get_by_role("link", name="Try it").click()
        page.fill("#question", "How many passengers can the new Texel ferry carry?")
        page.get_by_role("button", name="Ask").click()
        answer = page.locator("#answer pre.console").first
        expect(answer).to_contain_text("1,750")
        expect(answer).to_contain_text("[ferry-texel ¶2]")
        expect(page.locator("#answer pre.trace")).to_contain_text("why:")

        page.get_by_role("link", name="Articles").click()
        page.get_by_role("button", name="Remove 2024-05-ferry-texel").click()
        expect(page.locator(".flash.ok")).to_contain_text("removed 2024-05-ferry-texel")
        expect(page.locator("#article-list")).not_to_contain_text("ferry")

        out = io.StringIO()  # the console path, in this process (one process shares the embedded store)
        run_console(settings, bot=bot, stdin=io.StringIO("What is the population of Reykjavik?\n"), stdout=out)
        assert "(not in the knowledge base)" in out.getvalue()
        page.get_by_role("link", name="Gaps").click()
        gap = page.locator("article.gap", has_text="What is the population of Reykjavik?")
        expect(gap).to_contain_text("1 refused")
        gap.get_by_role("button", name="Mark handled").click()
        expect(page.locator(".flash.ok")).to_contain_text("Marked handled")
        expect(page.locator("article.gap", has_text="Reykjavik")).to_have_count(0)

        page.get_by_role("link", name="Usage").click()
        expect(page.locator("#total-questions")).to_have_text("2")
        bars = page.locator("#chart-questions svg rect[data-count]")
        counts = {bars.nth(i).get_attribute("data-series"): int(bars.nth(i).get_attribute("data-count") or 0)
                  for i in range(bars.count())}
        assert counts == {"admin": 1, "console": 1}
        expect(page.get_by_role("img", name="Questions per day, by platform and channel")).to_be_visible()
        page.screenshot(path=str(tmp_path / "usage.png"), full_page=True)
        context.close()


def test_the_basic_actions_work_without_javascript(served) -> None:
    server, _, _ = served
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        _log_in(page, server.url, TOKEN)
        expect(page).to_have_url(server.url + "/articles")
        page.fill("#q", "china")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#list-heading")).to_have_text("1 article matching “china”")
        page.get_by_role("link", name="Try it").click()
        page.fill("#question", "How many deported children does the conference aim to trace?")
        page.get_by_role("button", name="Ask").click()
        expect(page.locator("#answer pre.console").first).to_contain_text("[china-russia ¶9]")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(server.url + "/login")
        page.goto(server.url + "/gaps")
        expect(page).to_have_url(server.url + "/login")
        context.close()
