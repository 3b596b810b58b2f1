"""One module per input format; each turns text or bytes into a Parsed article (metadata + sectioned paragraphs)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Parsed:
    """What a format parser found: metadata (lower-case keys) and (section title, paragraph) pairs in order."""

    meta: dict[str, str] = field(default_factory=dict)
    blocks: tuple[tuple[str, str], ...] = ()
    heading: str = ""  # the first top-level heading, a title when the metadata has none


class MissingExtra(RuntimeError):
    """A format needs an optional dependency that is not installed."""

    def __init__(self, what: str, extra: str, package: str) -> None:
        super().__init__(f"{what} needs the '{package}' package: pip install -e '.[{extra}]'")
