"""Who a passage reports as speaking: "Afghan Ambassador Hamdullah Mohib says…", "…, zei Borrell", "volgens Xi"."""
from __future__ import annotations

from bot.language.names import Name, names_in
from bot.language.words import tokens

from .items import SPEECH_VERBS

# Words before a name that make it the source of what is reported ("according to X", "volgens X").
_SOURCE_BEFORE = frozenset({"according", "volgens"})


def speaker_in(text: str) -> Name | None:
    """The first name that a speech verb follows or precedes ("X says", "said X"), or that "according to" or
    "volgens" introduces; None when the text reports nobody's words by name."""
    toks = tokens(text)
    for n in names_in(text):
        if n.kind in ("adjective", "place"):
            continue
        after = [t.fold for t in toks if t.start >= n.end][:2]
        before = [t.fold for t in toks if t.end <= n.start][-2:]
        if any(w in SPEECH_VERBS for w in after + before[-1:]) or any(w in _SOURCE_BEFORE for w in before):
            return n
    return None
