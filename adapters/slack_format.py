"""Pure functions from an Answer to what Slack is sent: mrkdwn text and Block Kit blocks, inside Slack's limits.

No slack imports, so the console (`briefbot console --as slack`) and the tests can show exactly what would be posted.
"""
from __future__ import annotations

import html
import json
import re

from bot.language import phrase
from bot.models import Answer, Source

# Slack's limits (text 40,000; 50 blocks; 3,000 a section) with headroom; Slack has rejected ~13k of blocks.
SECTION_CHARS = 2_900
ANSWER_CHARS = 9_000  # all sections together, so the whole message stays well under ~12k
FALLBACK_CHARS = 3_000  # the notification / fallback `text`; Slack allows 40,000
MAX_BLOCKS = 50
CONTEXT_ELEMENTS = 10  # Slack's cap on elements in one context block
MAX_SOURCES = 5
QUOTE_CHARS = 160
TITLE_CHARS = 120
ELLIPSIS = "…"

FEEDBACK_BLOCK = "briefbot_feedback"
ACTION_UP = "briefbot_feedback_up"
ACTION_DOWN = "briefbot_feedback_down"

Blocks = list[dict]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)|]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_TOKEN = re.compile(r"\x02(\d+)\x02")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def escape(text: str) -> str:
    """Escape Slack's control characters; what defuses `<!channel>`, `<!here>` and `<@U…>` in untrusted text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Escape untrusted Markdown, then turn its bold, italics, links, headings and bullets into Slack mrkdwn."""
    text = escape(_CONTROL.sub("", markdown))
    kept: list[str] = []  # finished mrkdwn (links, bold) parked so later rules can't touch it

    def park(value: str) -> str:
        kept.append(value)
        return f"\x02{len(kept) - 1}\x02"

    text = _LINK.sub(lambda m: park(f"<{m.group(2)}|{m.group(1).replace('|', '¦')}>"), text)
    text = _HEADING.sub(lambda m: park(f"*{m.group(1)}*"), text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _BOLD.sub(lambda m: park(f"*{m.group(1) or m.group(2)}*"), text)
    text = _ITALIC.sub(lambda m: f"_{m.group(1)}_", text)
    while _TOKEN.search(text):
        text = _TOKEN.sub(lambda m: kept[int(m.group(1))], text)
    return text


def question_from_slack(text: str, bot_user_id: str | None) -> str:
    """The question as the user typed it: the bot's mention removed, Slack's markup and escapes undone."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    text = re.sub(r"<@([A-Z0-9]+)\|([^>]+)>", r"@\2", text)
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<!(here|channel|everyone)(\|[^>]*)?>", r"@\1", text)
    text = re.sub(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>", r"\2", text)
    text = re.sub(r"<((?:https?|mailto):[^>]+)>", r"\1", text)
    return " ".join(html.unescape(text).split())


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + ELLIPSIS


def _safe_cut(text: str, limit: int) -> int:
    """A cut position ≤ limit that never splits a `<link|text>` or an `&amp;` entity."""
    cut = limit
    lt, gt = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
    if lt > gt and lt > 0:
        cut = lt
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return cut if cut > 0 else limit


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Chunks of ≤ `limit` characters, split at paragraphs, then sentences, then words, then anywhere safe."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n\n")
        if cut < limit // 3:
            ends = [m.start() for m in _SENTENCE_END.finditer(window) if m.start() <= limit]
            cut = ends[-1] if ends and ends[-1] >= limit // 3 else -1
        if cut < limit // 3:
            cut = window.rfind("\n")
        if cut < limit // 3:
            cut = window.rfind(" ")
        cut = _safe_cut(rest, cut if cut >= limit // 3 else limit)
        chunk, rest = rest[:cut].rstrip(), rest[cut:].strip()
        if chunk:
            chunks.append(chunk)
    if rest:
        chunks.append(rest)
    return chunks


def truncate_mrkdwn(text: str, limit: int) -> str:
    """At most `limit` characters of mrkdwn, cut late, at a sentence or word, with an ellipsis."""
    if len(text) <= limit:
        return text
    window = text[: limit]
    ends = [m.start() for m in _SENTENCE_END.finditer(window)]
    cut = ends[-1] if ends and ends[-1] >= limit * 4 // 5 else window.rfind(" ")
    if cut < limit // 2:
        cut = _safe_cut(text, limit - 1)
    else:
        cut = min(cut, _safe_cut(text, cut)) or cut
    return text[:cut].rstrip() + ELLIPSIS


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_sections(mrkdwn: str) -> Blocks:
    """The answer's text as section blocks, capped in total so the message stays small."""
    return [section(part) for part in split_text(truncate_mrkdwn(mrkdwn, ANSWER_CHARS))]


def source_line(source: Source) -> str:
    """One citation: title, paragraph number and a short quote, all escaped (they come from documents)."""
    title = escape(clip(source.title, TITLE_CHARS))
    quote = escape(clip(source.text, QUOTE_CHARS))
    return f"• *{title}*, ¶{source.paragraph}: “{quote}”"


def sources_block(sources: tuple[Source, ...], language: str) -> dict | None:
    """A context block listing the sources, packed into as few elements as fit."""
    if not sources:
        return None
    lines = [f"*{escape(phrase('sources', language))}*"] + [source_line(s) for s in sources[:MAX_SOURCES]]
    elements: list[str] = []
    for line in lines:
        if elements and len(elements[-1]) + 1 + len(line) <= SECTION_CHARS:
            elements[-1] += "\n" + line
        elif len(elements) < CONTEXT_ELEMENTS:
            elements.append(line[:SECTION_CHARS])
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": e} for e in elements]}


def feedback_block(answer_id: str) -> dict:
    """👍/👎 buttons whose value is the answer id, so a click can be tied back to what was said."""
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            {"type": "button", "action_id": ACTION_UP, "value": answer_id,
             "text": {"type": "plain_text", "text": "👍", "emoji": True}},
            {"type": "button", "action_id": ACTION_DOWN, "value": answer_id,
             "text": {"type": "plain_text", "text": "👎", "emoji": True}},
        ],
    }


def format_answer(answer: Answer) -> tuple[str, Blocks]:
    """The fallback text and the blocks for a final answer: text sections, sources, feedback buttons."""
    body = to_mrkdwn(answer.text)
    blocks = text_sections(body)
    src = sources_block(answer.sources, answer.language)
    if src is not None:
        blocks.append(src)
    if answer.id:
        blocks.append(feedback_block(answer.id))
    return truncate_mrkdwn(body, FALLBACK_CHARS), blocks[:MAX_BLOCKS]


def streaming_message(partial: str) -> tuple[str, Blocks]:
    """An answer still being written by the LLM: the text so far and an ellipsis, no sources or buttons yet."""
    body = to_mrkdwn(partial.strip()) + " " + ELLIPSIS
    return truncate_mrkdwn(body, FALLBACK_CHARS), text_sections(body)


def notice(text: str) -> tuple[str, Blocks]:
    """A one-section message (placeholder, hint, apology, error): escaped, since error texts may quote input."""
    body = truncate_mrkdwn(escape(text), SECTION_CHARS)
    return body, [section(body)]


def placeholder(language: str) -> tuple[str, Blocks]:
    return notice(phrase("thinking", language))


def usage_hint(language: str, *, in_dm: bool = False) -> tuple[str, Blocks]:
    """How to ask: in a channel by mentioning the bot, in a DM by just typing the question."""
    return notice(phrase("empty_question" if in_dm else "usage", language))


def apology(language: str) -> tuple[str, Blocks]:
    return notice(phrase("apology", language))


def thanked(blocks: Blocks, vote: str, language: str) -> Blocks:
    """The answer's blocks with the feedback buttons replaced by a thank-you (so nobody votes twice)."""
    mark = "👍" if vote == "up" else "👎"
    thanks = {"type": "context", "block_id": FEEDBACK_BLOCK,
              "elements": [{"type": "mrkdwn", "text": f"{mark} {escape(phrase('thanks', language))}"}]}
    kept = [b for b in blocks if b.get("type") != "actions" and b.get("block_id") != FEEDBACK_BLOCK]
    return kept[: MAX_BLOCKS - 1] + [thanks]


def render_for_console(answer: Answer) -> str:
    """Exactly the `text` and `blocks` the Slack adapter would post for this answer."""
    text, blocks = format_answer(answer)
    return f"text:\n{text}\n\nblocks:\n{json.dumps(blocks, ensure_ascii=False, indent=2)}"
