"""Pure functions from an Answer to what Slack is sent: mrkdwn text and Block Kit blocks, inside Slack's limits.

Blocks are built with slack_sdk's Block Kit models (which check Slack's field limits) and sent as their dicts, so
the console (`briefbot console --as slack`) and the tests can show exactly what would be posted. Markdown from a
model is parsed with markdown-it-py (adapters/chat_markdown.py), never by regexes.
"""
from __future__ import annotations

import html
import json
import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from adapters.chat_markdown import Dialect, cap, clip_words, confidence, listed_sources, render, web_url
from bot.common.models import Answer, Source
from bot.common.text import ELLIPSIS, clip_line
from bot.language.phrases import phrase

# Slack's limits (text 40,000; 50 blocks; 3,000 a section) with headroom; Slack has rejected ~13k of blocks.
SECTION_CHARS = 2_900
ANSWER_CHARS = 9_000  # all sections together, so the whole message stays well under ~12k
MARKDOWN_CHARS = 6_000  # an answer's Markdown beyond this is cut (with a note) before it is parsed
FALLBACK_CHARS = 3_000  # the notification / fallback `text`; Slack allows 40,000
MAX_BLOCKS = 50
CONTEXT_ELEMENTS = 10  # Slack's cap on elements in one context block
MAX_SOURCES = 5
QUOTE_CHARS = 160
TITLE_CHARS = 120

FEEDBACK_BLOCK = "briefbot_feedback"
ACTION_FEEDBACK = "briefbot_feedback"  # Slack's feedback_buttons: the value says which ("up:<id>", "down:<id>")
ACTION_UP = "briefbot_feedback_up"  # the hand-made 👍/👎 buttons of answers posted before feedback_buttons
ACTION_DOWN = "briefbot_feedback_down"
HANDOFF_BLOCK = "briefbot_handoff"
CONFIDENCE_BLOCK = "briefbot_confidence"
ACTION_HANDOFF = "briefbot_handoff"

Blocks = list[dict]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def escape(text: str) -> str:
    """Escape Slack's control characters; what defuses `<!channel>`, `<!here>` and `<@U…>` in untrusted text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(label: str | None, url: str) -> str:
    """A link whose target shows: `label (<url>)`, or `<url>` alone; a non-web target is plain text."""
    safe = web_url(url)
    if safe is None:
        return f"{label} ({escape(url)})" if label else escape(url)
    return f"{label} (<{escape(safe)}>)" if label and label != escape(safe) else f"<{escape(safe)}>"


SLACK = Dialect(
    text=lambda s: escape(_CONTROL.sub("", s)),
    link=_link,
    code=lambda s: f"`{escape(s)}`",
    fence=lambda s: f"```\n{escape(s)}\n```",
)


def to_mrkdwn(markdown: str) -> str:
    """Untrusted Markdown as Slack mrkdwn: escaped, emphasis/lists/quotes/code kept, every link target visible."""
    return render(markdown, SLACK)


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
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def text_sections(mrkdwn: str) -> Blocks:
    """The answer's text as section blocks, capped in total so the message stays small."""
    return [section(part) for part in split_text(truncate_mrkdwn(mrkdwn, ANSWER_CHARS))]


def source_line(source: Source) -> str:
    """One citation: its [label] as in the text, the title (linked when the source has a web address), a quote."""
    title = escape(clip_line(source.title, TITLE_CHARS))
    url = web_url(source.url)
    if url:
        title = f"<{escape(url)}|{title.replace('|', '¦')}>"
    date = f" ({escape(source.date)})" if source.date else ""
    quote = escape(clip_line(source.text, QUOTE_CHARS))
    return f"• *[{escape(source.label)}]* {title}{date}: “{quote}”"


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
    return ContextBlock(elements=[MarkdownTextObject(text=e) for e in elements]).to_dict()


def confidence_block(answer: Answer) -> dict | None:
    """A context line under an answer the articles do not support, or support only weakly (what Discord's grey
    embed says), in the asker's language; None for an answer that is sure."""
    level = confidence(answer)
    if level == "sure":
        return None
    text = "⚠️ " + escape(phrase(f"confidence_{level}", answer.language))
    return ContextBlock(block_id=CONFIDENCE_BLOCK, elements=[MarkdownTextObject(text=text)]).to_dict()


def feedback_block(answer_id: str, language: str = "en") -> dict:
    """Slack's own 👍/👎 (feedback_buttons in a context_actions block); each value carries the vote and the answer
    id, so a click can be tied back to what was said."""
    buttons = FeedbackButtonsElement(
        action_id=ACTION_FEEDBACK,
        positive_button=FeedbackButtonObject(text=PlainTextObject(text="👍"), value=f"up:{answer_id}",
                                             accessibility_label=phrase("discord_feedback_up", language)),
        negative_button=FeedbackButtonObject(text=PlainTextObject(text="👎"), value=f"down:{answer_id}",
                                             accessibility_label=phrase("discord_feedback_down", language)),
    )
    return ContextActionsBlock(block_id=FEEDBACK_BLOCK, elements=[buttons]).to_dict()


def handoff_block(answer_id: str, language: str, *, first: bool) -> dict:
    """"Still need help?": hands the answer to a person (adapters/slack_handoff.py); the primary action when the
    answer is a refusal or ungrounded (`first`)."""
    button = ButtonElement(text=PlainTextObject(text=phrase("handoff_button", language)), action_id=ACTION_HANDOFF,
                           value=answer_id, style="primary" if first else None)
    return ActionsBlock(block_id=HANDOFF_BLOCK, elements=[button]).to_dict()


def answer_mrkdwn(answer: Answer) -> str:
    """The answer's text as mrkdwn, its Markdown capped first (with a note saying so) so a huge reply stays small."""
    note = phrase("answer_cut", answer.language, limit=MARKDOWN_CHARS)
    return to_mrkdwn(cap(answer.text, MARKDOWN_CHARS, note))


def format_answer(answer: Answer, *, handoff: bool = False) -> tuple[str, Blocks]:
    """The fallback text and the blocks for a final answer: text sections, the sources it cites, feedback buttons,
    and with `handoff` the "Still need help?" button (first under an answer that is not grounded)."""
    body = answer_mrkdwn(answer)
    blocks = text_sections(body)
    sure = confidence_block(answer)
    if sure is not None:
        blocks.append(sure)
    src = sources_block(listed_sources(answer), answer.language)
    if src is not None:
        blocks.append(src)
    actions: Blocks = []
    if answer.id:
        actions.append(feedback_block(answer.id, answer.language))
        if handoff:
            help_block = handoff_block(answer.id, answer.language, first=not answer.grounded)
            actions.insert(0 if not answer.grounded else 1, help_block)
    return truncate_mrkdwn(body, FALLBACK_CHARS), blocks[: MAX_BLOCKS - len(actions)] + actions


def streaming_message(partial: str) -> tuple[str, Blocks]:
    """An answer still being written by the LLM: the text so far and an ellipsis, no sources or buttons yet."""
    body = to_mrkdwn(clip_words(partial.strip(), MARKDOWN_CHARS)) + " " + ELLIPSIS
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


def replaced(blocks: Blocks, block_id: str, new: dict) -> Blocks:
    """The blocks with the one whose block_id is `block_id` replaced by `new` (appended when there is none)."""
    if not any(b.get("block_id") == block_id for b in blocks):
        return blocks[: MAX_BLOCKS - 1] + [new]
    return [new if b.get("block_id") == block_id else b for b in blocks]


def thanked(blocks: Blocks, vote: str, language: str) -> Blocks:
    """The answer's blocks with the feedback buttons replaced by a thank-you (so nobody votes twice)."""
    mark = "👍" if vote == "up" else "👎"
    thanks = ContextBlock(
        block_id=FEEDBACK_BLOCK, elements=[MarkdownTextObject(text=f"{mark} {escape(phrase('thanks', language))}")]
    ).to_dict()
    return replaced(blocks, FEEDBACK_BLOCK, thanks)


def handed_off(blocks: Blocks, note_mrkdwn: str) -> Blocks:
    """The answer's blocks with "Still need help?" replaced by who was called in (so nobody presses it twice)."""
    note = ContextBlock(block_id=HANDOFF_BLOCK, elements=[MarkdownTextObject(text=note_mrkdwn)]).to_dict()
    return replaced(blocks, HANDOFF_BLOCK, note)


def render_for_console(answer: Answer) -> str:
    """Exactly the `text` and `blocks` the Slack adapter would post for this answer."""
    text, blocks = format_answer(answer)
    return f"text:\n{text}\n\nblocks:\n{json.dumps(blocks, ensure_ascii=False, indent=2)}"
