"""Secrets in what a model writes, masked as it streams: the same masking logs and errors get (bot.common.logs.redact:
token shapes and the configured secret values), applied to every reply before any platform sees it (issue 23)."""
from __future__ import annotations

from bot.common.logs import redact

HOLD_MAX = 1024  # a reply without a space for this long is shown anyway, all but its last KEEP characters
KEEP = 256  # longer than any token shape masked


class SecretFilter:
    """Streamed text with secrets masked, also when a token arrives split across deltas.

    Tokens hold no whitespace, so text up to the last whitespace is safe to mask and show; the word after it is held
    back (with a `Bot ` before it: Discord's authorization header shape; from the `[` of a citation still open) until
    the next whitespace or the end.
    """

    def __init__(self) -> None:
        self._held = ""

    def feed(self, delta: str) -> str:
        """The masked text safe to show now."""
        text = self._held + delta
        cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1
        if text[:cut].endswith("Bot "):
            cut -= len("Bot ")
        opened = text.rfind("[", 0, cut)
        if opened > text.rfind("]", 0, cut):  # a citation is shown whole (`[china-russia ¶2]` holds a space)
            cut = opened
        if len(text) - cut > HOLD_MAX:
            cut = len(text) - KEEP
        self._held = text[cut:]
        return redact(text[:cut])

    def flush(self) -> str:
        """What was held back, masked, at the end of the reply."""
        out, self._held = redact(self._held), ""
        return out
