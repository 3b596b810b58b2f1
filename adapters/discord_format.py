"""Answers as Discord messages, pure (no network) so every platform limit is testable in isolation.

A message is `{"content": str, "embeds": [dict]}`; the adapter turns each embed dict into
`discord.Embed.from_dict`. Every function here returns messages that are already inside Discord's limits.
Escaping is discord.py's own (`discord.utils.escape_markdown` / `escape_mentions`); model Markdown is parsed with
markdown-it-py (adapters/chat_markdown.py) and written back with every link target visible.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from discord.utils import escape_markdown as _escape_markdown
from discord.utils import escape_mentions

from adapters.chat_markdown import Dialect, cap, clip_words, confidence, listed_sources, render, web_url
from bot.common.models import Answer, Article, Source
from bot.common.text import ELLIPSIS, one_line
from bot.language.phrases import phrase

# Discord's hard limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MAX_CONTENT = 2000
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBEDS_PER_MESSAGE = 10
MAX_EMBED_TOTAL = 6000  # title + description + field names/values + footer, summed over a message's embeds
MAX_CUSTOM_ID = 100
MAX_THREAD_NAME = 100

# Our own choices, inside those limits.
MAX_ANSWER_CHARS = 6000  # an answer's Markdown beyond this is cut with a note: a few messages, never 26
QUOTE_CHARS = 240  # a "short quote" under each source
MIN_QUOTE_CHARS = 60  # below this a quote says nothing; drop sources instead (and point at /sources)
QUESTION_ECHO_CHARS = 200
COLOR_GROUNDED = 0x2E7D32
COLOR_UNGROUNDED = 0x9E9E9E
_ESCAPE_PIECE = 200  # escape_markdown's masked-link pattern is super-linear: feed it bounded pieces

FEEDBACK_PREFIX = "briefbot:fb"
FEEDBACK_TEMPLATE = r"briefbot:fb:(?P<vote>up|down):(?P<id>[A-Za-z0-9_-]{1,64})"
HANDOFF_TEMPLATE = r"briefbot:help:(?P<id>[A-Za-z0-9_-]{1,64})"  # "Still need help?" (adapters/discord_handoff.py)

Message = dict  # {"content": str, "embeds": list[dict]}

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")


_SHORT_ID_MENTION = re.compile(r"<@(?=[!&]?\d)")


def defuse(text: str) -> str:
    """@everyone, @here and user/role mentions shown but inert: discord.py's escape_mentions (which knows only
    17-20 digit ids), and the same zero-width space for any other `<@digits>`."""
    return _SHORT_ID_MENTION.sub("<@\u200b", escape_mentions(text))


# A backtick followed by another: in fenced code each gets a zero-width space after it, so no run of backticks is
# left to close the fence or to throw off split_text's count of fences (a run of 6 was "`\u200b```\u200b``": found
# by the fuzzer)
_TICK_RUN = re.compile(r"`(?=`)")
_MASKED_LINK = re.compile(r"(?<!\\)\]\(")  # `](`: what would make literal `[label](url)` a masked link in Discord
# `[label]: url` at a line's start (inside quotes too): a link reference definition, which makes `[label]` or
# `[text][label]` elsewhere in the message a link whose target is not shown (found by the fuzzer)
_LINK_DEFINITION = re.compile(r"^((?:[ \t]{0,3}>)*[ \t]{0,3})\[(?=[^\]\n]*\]:)", re.M)


def escape_markdown(text: str) -> str:
    """Document text is data: its `*`, `_`, `#` … shown literally (discord.py's escape_markdown, in bounded pieces),
    and a `](` and a link definition's `[` escaped, so text that CommonMark left alone (a cut or odd link) never
    becomes a link that hides its target."""
    out: list[str] = []
    for line in text.split("\n"):
        pieces, rest = [], line
        while len(rest) > _ESCAPE_PIECE:
            cut = rest.rfind(" ", _ESCAPE_PIECE // 2, _ESCAPE_PIECE)
            cut = cut + 1 if cut > 0 else _ESCAPE_PIECE
            pieces.append(rest[:cut])
            rest = rest[cut:]
        pieces.append(rest)
        out.append("".join(_escape_markdown(p) for p in pieces))
    return _LINK_DEFINITION.sub(r"\1\\[", _MASKED_LINK.sub(r"\\](", "\n".join(out)))


def plain(text: str) -> str:
    """Text from documents or users, made safe to show verbatim in Discord Markdown."""
    return escape_markdown(defuse(text))


def _link(label: str | None, url: str) -> str:
    """A link whose target shows: `label (<url>)`, or `<url>` alone; a non-web target is plain text."""
    safe = web_url(url)
    if safe is None:
        return f"{label} ({escape_markdown(url)})" if label else escape_markdown(url)
    return f"{label} (<{safe}>)" if label and label != escape_markdown(safe) else f"<{safe}>"


def _code(text: str) -> str:
    """Inline code; a `](` in it gets a zero-width space, so a message split inside the span (its backtick then
    literal) cannot turn `[label](url)` into a masked link (found by the fuzzer)."""
    text = text.replace("](", "]\u200b(")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


DISCORD = Dialect(
    text=escape_markdown,
    link=_link,
    bold=("**", "**"),
    italic=("*", "*"),
    strike=("~~", "~~"),
    code=_code,
    fence=lambda s: "```\n" + _TICK_RUN.sub("`\u200b", s) + "\n```",
    bullet="- ",
)


def unmask_links(text: str) -> str:
    """Model Markdown as Discord Markdown with every link's target visible (OWASP LLM05)."""
    return render(text, DISCORD)


def truncate(text: str, limit: int) -> str:
    """At most `limit` chars, cut at a word boundary when one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    head = clip_words(text, limit)
    while head[:-1].endswith("\\"):  # never leave an escape dangling in front of the ellipsis
        head = head[:-2] + ELLIPSIS
    return head


def fit(text: str, limit: int, render: Callable[[str], str]) -> str:
    """`render(text)`, with `text` cut at a word boundary (before rendering, so escapes stay whole) to fit `limit`."""
    out = render(text)
    if len(out) <= limit:
        return out
    lo, hi = 0, min(len(text), limit)
    best = render(ELLIPSIS)
    while lo <= hi:  # the longest word-boundary cut whose rendering fits
        mid = (lo + hi) // 2
        candidate = render(truncate(text, mid))
        if len(candidate) <= limit:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best if len(best) <= limit else best[: limit - 1] + ELLIPSIS


def _boundaries(window: str) -> Iterable[list[int]]:
    """Cut positions in preference order: paragraphs, lines, sentences, words."""
    yield [m.start() for m in re.finditer(r"\n\s*\n", window)]
    yield [m.start() for m in re.finditer(r"\n", window)]
    yield [m.end() for m in _SENTENCE_END.finditer(window)]
    yield [m.start() for m in re.finditer(r"\s", window)]


def _cut(text: str, limit: int) -> int:
    """Where to end the next chunk: the best boundary in the second half of the window, else any boundary."""
    window = text[: limit + 1]
    fallback = 0
    for cuts in _boundaries(window):
        cuts = [c for c in cuts if 0 < c <= limit]
        if cuts and cuts[-1] >= limit // 2:
            return cuts[-1]
        if cuts:
            fallback = max(fallback, cuts[-1])
    return fallback or limit  # one word longer than the limit: the only mid-word cut


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Chunks of at most `limit` chars, split on paragraph or sentence boundaries; code fences re-opened."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        room = limit
        cut = _cut(text, room)
        if text[:cut].count("```") % 2:  # inside a code block: leave room to close it here and reopen it next
            room = limit - 4
            cut = _cut(text, room)
            if not text[:cut].strip("`\n "):  # only the opening fence fits before a boundary: cut the code mid-line
                cut = room  # (a chunk of the bare fence alone left the code after it unfenced: found by the fuzzer)
            chunk, rest = text[:cut].rstrip(), text[cut:].lstrip()
            if chunk.count("```") % 2:
                chunk, rest = chunk + "\n```", "```\n" + rest
        else:
            chunk, rest = text[:cut].rstrip(), text[cut:].lstrip()
        if not chunk:  # only whitespace before the cut; cannot happen after strip(), but never loop forever
            chunk, rest = text[:room], text[room:]
        chunks.append(chunk)
        text = rest
    if text:
        chunks.append(text)
    return chunks


def embed_chars(embed: dict) -> int:
    """The characters Discord counts towards the 6,000-per-message embed total."""
    n = len(embed.get("title", "")) + len(embed.get("description", ""))
    n += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return n + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", []))


def _source_name(source: Source, limit: int) -> str:
    date = f" · {source.date}" if source.date else ""
    label = plain(source.label)
    return fit(source.title, limit, lambda t: f"[{label}] {plain(one_line(t))}{date}")


def _source_value(source: Source, limit: int) -> str:
    """A short quote, and the source's web address (visible, without a preview) when it has one."""
    url = web_url(source.url)
    link = f"\n<{url}>" if url and len(url) < limit // 2 else ""
    return fit(source.text, limit - len(link), lambda t: "> " + plain(one_line(t))) + link


def sources_embed(answer: Answer) -> dict | None:
    """The citations under an answer: label, article title and a short quote for each source the answer cites."""
    listed = listed_sources(answer)
    if not listed:
        return None
    lang = answer.language
    title = truncate(phrase("sources", lang), MAX_EMBED_TITLE)
    shown = list(listed[:MAX_FIELDS])
    while True:
        hidden = len(listed) - len(shown)
        footer = phrase("discord_more_sources", lang, count=hidden) if hidden else ""
        names = [_source_name(s, 120) for s in shown]
        budget = MAX_EMBED_TOTAL - len(title) - len(footer) - sum(map(len, names))
        per = min(QUOTE_CHARS, MAX_FIELD_VALUE, budget // len(shown))
        if per >= MIN_QUOTE_CHARS or len(shown) == 1:
            break
        shown.pop()
    fields = [{"name": name, "value": _source_value(s, per), "inline": False} for name, s in zip(names, shown)]
    embed: dict = {
        "title": title,
        "color": COLOR_GROUNDED if confidence(answer) == "sure" else COLOR_UNGROUNDED,
        "fields": fields,
    }
    if footer:
        embed["footer"] = {"text": truncate(footer, MAX_FOOTER)}
    return embed


def answer_text(answer: Answer) -> str:
    """The answer as Discord Markdown: the model may format, but not ping, hide link targets, or run on for pages."""
    note = phrase("answer_cut", answer.language, limit=MAX_ANSWER_CHARS)
    text = defuse(unmask_links(cap(answer.text, MAX_ANSWER_CHARS, note))).strip()
    return text or phrase("not_found", answer.language)


def format_answer(answer: Answer) -> list[Message]:
    """An answer as one or more messages; the sources embed goes under the last one."""
    messages: list[Message] = [{"content": c, "embeds": []} for c in split_text(answer_text(answer))]
    embed = sources_embed(answer)
    if embed is not None:
        messages[-1]["embeds"].append(embed)
    return messages


def format_preview(text: str) -> str:
    """A streaming answer so far, inside the content limit."""
    return fit(text.strip(), MAX_CONTENT - 2, lambda t: defuse(unmask_links(t))) + " ▌"


def thread_name(question: str) -> str:
    """A thread's name from the question it answers: one line, at most Discord's 100 characters."""
    return truncate(one_line(question), MAX_THREAD_NAME) or ELLIPSIS


def notice(text: str) -> list[Message]:
    """A one-off message (an error, a confirmation) in message form."""
    return [{"content": c, "embeds": []} for c in split_text(defuse(text))] or [{"content": ELLIPSIS, "embeds": []}]


def pack(embeds: Sequence[dict], content: str = "") -> list[Message]:
    """Embeds grouped into as few messages as the 10-embed and 6,000-char limits allow."""
    chunks = split_text(content) if content else []
    messages: list[Message] = [{"content": c, "embeds": []} for c in chunks] or [{"content": "", "embeds": []}]
    used = 0
    for embed in embeds:
        size = embed_chars(embed)
        current = messages[-1]["embeds"]
        if len(current) >= MAX_EMBEDS_PER_MESSAGE or (current and used + size > MAX_EMBED_TOTAL):
            messages.append({"content": "", "embeds": []})
            used = 0
        messages[-1]["embeds"].append(embed)
        used += size
    return messages


def _long_embeds(title: str, text: str, *, color: int, footer: str = "") -> list[dict]:
    """One embed per description-sized piece of `text` (numbered when there is more than one)."""
    budget = MAX_EMBED_DESCRIPTION
    if footer:
        budget = min(budget, MAX_EMBED_TOTAL - MAX_EMBED_TITLE - len(footer))
    parts = split_text(text, budget) or [""]
    embeds = []
    for i, part in enumerate(parts, 1):
        suffix = f" ({i}/{len(parts)})" if len(parts) > 1 else ""
        embed: dict = {"title": truncate(title, MAX_EMBED_TITLE - len(suffix)) + suffix, "color": color}
        if part:
            embed["description"] = part
        if footer:
            embed["footer"] = {"text": truncate(footer, MAX_FOOTER)}
        embeds.append(embed)
    return embeds


def format_sources(answer: Answer) -> list[Message]:
    """`/sources`: every passage behind an answer in full, one embed per passage, packed within limits."""
    lang = answer.language
    question = truncate(plain(one_line(answer.question)), QUESTION_ECHO_CHARS)
    header = phrase("discord_sources_for", lang, question=question)
    embeds: list[dict] = []
    for s in answer.sources:
        footer = " · ".join(x for x in (f"¶{s.paragraph}", s.date, s.article) if x)
        title = f"[{plain(s.label)}] {plain(one_line(s.title))}"
        parts = _long_embeds(title, plain(s.text.strip()), color=COLOR_GROUNDED, footer=truncate(footer, 200))
        url = web_url(s.url)
        if url and len(url) <= 2000:
            for part in parts:
                part["url"] = url
        embeds += parts
    return pack(embeds, header)


def format_about(articles: Sequence[Article], language: str) -> list[Message]:
    """`/about`: the articles with their dates, newest first, and how to ask."""
    title = phrase("discord_about_title", language)
    if articles:
        ordered = sorted(articles, key=lambda a: (a.date or "", a.title), reverse=True)
        lines = [f"• **{plain(one_line(a.title))}**" + (f" — {a.date}" if a.date else "") for a in ordered]
        intro = "discord_about_intro" if len(articles) != 1 else "discord_about_intro_one"
        text = phrase(intro, language, count=len(articles)) + "\n" + "\n".join(lines)
    else:
        text = phrase("discord_about_empty", language)
    embeds = _long_embeds(title, text, color=COLOR_GROUNDED)
    embeds.append(
        {
            "title": phrase("discord_about_howto_title", language),
            "description": truncate(phrase("discord_about_howto", language), MAX_EMBED_DESCRIPTION),
            "color": COLOR_UNGROUNDED,
        }
    )
    return pack(embeds)


def feedback_custom_id(vote: str, answer_id: str) -> str:
    custom_id = f"{FEEDBACK_PREFIX}:{vote}:{answer_id}"
    if len(custom_id) > MAX_CUSTOM_ID or not re.fullmatch(FEEDBACK_TEMPLATE, custom_id):
        raise ValueError(f"not a valid feedback custom_id: {custom_id!r}")
    return custom_id


def handoff_custom_id(answer_id: str) -> str:
    return f"briefbot:help:{answer_id}"


def feedback_buttons(answer: Answer) -> list[dict]:
    """The 👍/👎 buttons under an answer; their custom_id carries the answer id, so clicks survive restarts."""
    if not answer.id:
        return []
    return [
        {"vote": vote, "emoji": emoji, "label": phrase(f"discord_feedback_{vote}", answer.language),
         "custom_id": feedback_custom_id(vote, answer.id)}
        for vote, emoji in (("up", "👍"), ("down", "👎"))
    ]


def render_messages(messages: Sequence[Message], buttons: Sequence[dict] = ()) -> str:
    """Messages as plain text: the content verbatim, then each embed's parts, then the buttons."""
    out: list[str] = []
    for n, msg in enumerate(messages, 1):
        out.append(f"── message {n}/{len(messages)} ({len(msg['content'])} chars) ──")
        if msg["content"]:
            out.append(msg["content"])
        for embed in msg["embeds"]:
            out.append(f"┌─ embed: {embed.get('title', '')}")
            if embed.get("description"):
                out += [f"│ {line}" for line in embed["description"].splitlines()]
            for field in embed.get("fields", []):
                out.append(f"│ {field['name']}")
                out += [f"│   {line}" for line in field["value"].splitlines()]
            if embed.get("footer"):
                out.append(f"│ ({embed['footer']['text']})")
            out.append("└─")
    if buttons:
        out.append("  ".join(f"[{b['emoji']} {b['label']}]" for b in buttons))
    return "\n".join(out)


def render_for_console(answer: Answer) -> str:
    """Exactly what the Discord adapter sends for `answer`, for `briefbot console --as discord`."""
    return render_messages(format_answer(answer), feedback_buttons(answer))
