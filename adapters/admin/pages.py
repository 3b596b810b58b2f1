"""The admin page's routes: every page works as plain HTML forms and links (no script needed); htmx, when it runs,
swaps the main part of the page instead of reloading it. Each action answers with a one-line message."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from adapters.admin.auth import Gatekeeper
from adapters.admin.charts import rate_line, stacked_bars
from adapters.admin.desk import Desk
from adapters.console import explain_text, render_answer
from bot.common.errors import BriefbotError
from bot.state.handled import group_id
from bot.state.reports import Filter, last_days
from knowledge.ingest import IngestReport
from knowledge.sources import is_url

log = logging.getLogger("briefbot.admin")

PAGE_SIZE = 50  # articles per page
MAX_DAYS = 366
Handler = Callable[[Request], Awaitable[Response]]


def _day(value: str | None) -> str:
    """A YYYY-MM-DD day from a query parameter, or '' when absent or malformed (the page says so)."""
    try:
        return date.fromisoformat((value or "").strip()).isoformat() if value else ""
    except ValueError:
        return ""


def report_lines(report: IngestReport) -> list[tuple[str, str]]:
    """(kind, line) messages for an ingest: one per article changed, one per input skipped with its reason."""
    out = [("ok", f"added {a}") for a in report.added] + [("ok", f"updated {a}") for a in report.updated]
    out += [("ok", f"unchanged {a} (already indexed as it is)") for a in report.unchanged]
    out += [("error", f.line()) for f in report.failed]
    return out or [("error", "nothing was ingested")]


class Pages:
    """The handlers; `desk` does the work, `gate` checks who asks."""

    def __init__(self, desk: Desk, gate: Gatekeeper, templates: Jinja2Templates) -> None:
        self.desk, self.gate, self.templates = desk, gate, templates

    # -- plumbing --------------------------------------------------------------------------------------------

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        flashes = request.session.pop("flash", []) if "flash" in request.session else []
        context.update(base=request.scope.get("root_path", ""), csrf=self.gate.csrf(request), flashes=flashes,
                       page=name.removesuffix(".html"))
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def go(self, request: Request, path: str, *messages: tuple[str, str]) -> Response:
        """Post/redirect/get: the messages are shown on the page redirected to."""
        if messages:
            request.session["flash"] = [*request.session.get("flash", []), *messages][-20:]
        return RedirectResponse(request.scope.get("root_path", "") + path, status_code=303)

    def guarded(self, handler: Handler, *, post: bool = False, upload: bool = False) -> Handler:
        """Logged in, or sent to the login page; a form without this session's CSRF token is refused (403), an
        upload bigger than the limit before it is read (413)."""
        limit = self.desk.max_upload_bytes + 65536 if upload else 1_000_000

        async def run(request: Request) -> Response:
            if not self.gate.logged_in(request):
                if request.method == "POST":
                    return Response("Log in first: open the admin page and give the token.", 403,
                                    media_type="text/plain")
                return RedirectResponse(request.scope.get("root_path", "") + "/login", status_code=303)
            if post:
                length = request.headers.get("content-length", "0")
                if length.isdigit() and int(length) > limit:
                    return self.go(request, "/articles", ("error", f"The file is over {limit / 1e6:.0f} MB: too big "
                                                          "for one article (BRIEFBOT_MAX_ARTICLE_MB sets the limit)."))
                form = await request.form(max_files=1 if upload else 0, max_fields=200)
                if not self.gate.csrf_ok(request, form):
                    return Response("This form has expired (no valid CSRF token): reload the page and try again.",
                                    403, media_type="text/plain")
                request.state.form = form
            try:
                return await handler(request)
            except BriefbotError as exc:
                return self.render(request, "error.html", 503, message=exc.message)

        return run

    # -- login -----------------------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return self.go(request, "/articles" if self.gate.logged_in(request) else "/login")

    async def login_form(self, request: Request) -> Response:
        return self.render(request, "login.html")

    async def login(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        if not self.gate.may_try(request):
            return self.render(request, "login.html", 429, error="Too many attempts: wait a minute and try again.")
        if not self.gate.csrf_ok(request, form):
            return self.render(request, "login.html", 403, error="The form expired: try again.")
        if not self.gate.token_ok(str(form.get("token") or "")):
            log.warning("admin login refused (wrong token) from %s", request.client.host if request.client else "?")
            return self.render(request, "login.html", 401,
                               error="That is not the admin token (BRIEFBOT_ADMIN_TOKEN). Access refused.")
        self.gate.log_in(request)
        return self.go(request, "/articles", ("ok", "Logged in."))

    async def logout(self, request: Request) -> Response:
        request.session.clear()
        return self.go(request, "/login", ("ok", "Logged out."))

    # -- articles --------------------------------------------------------------------------------------------

    async def articles(self, request: Request) -> Response:
        search = request.query_params.get("q", "")[:200]
        items = await run_in_threadpool(self.desk.articles, search)
        page = max(1, int(request.query_params.get("page", "1")) if request.query_params.get("page", "1").isdigit()
                   else 1)
        pages = max(1, -(-len(items) // PAGE_SIZE))
        page = min(page, pages)
        shown = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return self.render(request, "articles.html", items=shown, total=len(items), q=search, page_no=page,
                           pages=pages, max_mb=self.desk.parts.settings.max_article_mb)

    async def upload(self, request: Request) -> Response:
        upload = request.state.form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self.go(request, "/articles", ("error", "Choose a file to upload (.md .txt .html .pdf)."))
        data = await upload.read(self.desk.max_upload_bytes + 1)
        report = await run_in_threadpool(self.desk.upload, upload.filename, data)
        return self.go(request, "/articles", *report_lines(report))

    async def add_url(self, request: Request) -> Response:
        url = str(request.state.form.get("url") or "").strip()
        if not is_url(url):
            return self.go(request, "/articles", ("error", "Give a web page or feed address starting with http:// "
                                                  "or https://."))
        report = await run_in_threadpool(self.desk.add_url, url)
        return self.go(request, "/articles", *report_lines(report))

    async def remove(self, request: Request) -> Response:
        ids = [str(i) for i in request.state.form.getlist("id") if str(i).strip()]
        removed, unknown = await run_in_threadpool(self.desk.remove, ids)
        return self.go(request, "/articles", *[("ok", f"removed {a}") for a in removed],
                       *[("error", f"no article with the id '{a}' is indexed") for a in unknown])

    async def reindex(self, request: Request) -> Response:
        ids = [str(i) for i in request.state.form.getlist("id") if str(i).strip()]
        report, unknown = await run_in_threadpool(self.desk.reindex, ids)
        return self.go(request, "/articles", *report_lines(report),
                       *[("error", f"no article with the id '{a}' is indexed") for a in unknown])

    # -- gaps ------------------------------------------------------------------------------------------------

    async def gaps(self, request: Request) -> Response:
        show = request.query_params.get("show", "open")
        show = show if show in ("open", "handled", "all") else "open"
        groups = await run_in_threadpool(self.desk.gap_groups, show)
        return self.render(request, "gaps.html", groups=[(group_id(g), g) for g in groups], show=show)

    async def handle(self, request: Request) -> Response:
        keys = [str(k) for k in request.state.form.getlist("key")]
        n = await run_in_threadpool(self.desk.mark_handled, keys)
        example = str(request.state.form.get("example") or "")[:200]
        return self.go(request, "/gaps", ("ok", f"Marked handled: “{example}” ({n} question(s))."))

    async def recheck(self, request: Request) -> Response:
        question = str(request.state.form.get("question") or "")[:2000]
        answer = await run_in_threadpool(self.desk.still_refuses, question)
        verdict = ("error", f"Still refused: “{question}”.") if not answer.grounded else \
            ("ok", f"Answered now: “{question}” → {answer.text[:200]}")
        return self.go(request, "/gaps", verdict)

    # -- feedback and usage ----------------------------------------------------------------------------------

    def _filter(self, request: Request, vote: str = "") -> Filter:
        q = request.query_params
        return Filter(q.get("platform", "")[:40], q.get("channel", "")[:80], _day(q.get("since")),
                      _day(q.get("until")), vote)

    async def feedback(self, request: Request) -> Response:
        vote = request.query_params.get("vote", "")
        where = self._filter(request, vote if vote in ("up", "down") else "")
        items = await run_in_threadpool(self.desk.feedback, where)
        return self.render(request, "feedback.html", items=items, where=where)

    async def usage(self, request: Request) -> Response:
        where = self._filter(request)
        days = request.query_params.get("days", "30")
        n = min(MAX_DAYS, max(1, int(days))) if days.isdigit() else 30
        first, last = last_days(n)
        first, last = where.first_day or first, where.last_day or last
        if first > last or (date.fromisoformat(last) - date.fromisoformat(first)).days >= MAX_DAYS:
            first, last = last_days(n)
        report = await run_in_threadpool(self.desk.usage, first, last, where)
        series = {f"{p}:{c}" if c else p: values for (p, c), values in report.series.items()}
        charts = {
            "questions": stacked_bars(report.days, series, "Questions per day, by platform and channel"),
            "refusals": rate_line(report.days, [f.refusal_rate if f.questions else None
                                                for f in report.by_day.values()], "Refusal rate per day"),
            "down": rate_line(report.days, [f.down_rate if f.questions else None for f in report.by_day.values()],
                              "Down-votes per answer, per day", color="#CC79A7"),
        }
        return self.render(request, "usage.html", report=report, charts=charts, where=where, first=first, last=last,
                           days=n)

    # -- try it ----------------------------------------------------------------------------------------------

    async def try_form(self, request: Request) -> Response:
        return self.render(request, "try.html", question="", shown=None)

    async def try_ask(self, request: Request) -> Response:
        question = str(request.state.form.get("question") or "")
        conversation = f"admin:{request.session.get('conv', 'page')}"
        try:
            answer, seconds = await run_in_threadpool(self.desk.ask, question, conversation)
        except BriefbotError as exc:  # an empty or too long question, a rate limit: its one line
            return self.render(request, "try.html", 400, question=question[:2000], shown=None, error=exc.message)
        shown = {"text": render_answer(answer, color=False, width=100), "trace": explain_text(answer),
                 "ms": round(seconds * 1000), "grounded": answer.grounded}
        return self.render(request, "try.html", question=question, shown=shown)

    def routes(self) -> list[Route]:
        g = self.guarded
        return [
            Route("/", self.home), Route("/login", self.login_form), Route("/login", self.login, methods=["POST"]),
            Route("/logout", g(self.logout, post=True), methods=["POST"]),
            Route("/articles", g(self.articles)),
            Route("/articles/upload", g(self.upload, post=True, upload=True), methods=["POST"]),
            Route("/articles/url", g(self.add_url, post=True), methods=["POST"]),
            Route("/articles/remove", g(self.remove, post=True), methods=["POST"]),
            Route("/articles/reindex", g(self.reindex, post=True), methods=["POST"]),
            Route("/gaps", g(self.gaps)), Route("/gaps/handle", g(self.handle, post=True), methods=["POST"]),
            Route("/gaps/recheck", g(self.recheck, post=True), methods=["POST"]),
            Route("/feedback", g(self.feedback)), Route("/usage", g(self.usage)),
            Route("/try", g(self.try_form)), Route("/try", g(self.try_ask, post=True), methods=["POST"]),
        ]
