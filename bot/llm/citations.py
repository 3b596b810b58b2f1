"""The LLM's citations, checked as they stream: only the labels of passages it was given survive.

A citation is `[label]` with `Source.label` (`kim-clijsters ¶7`), the label every platform lists under the answer.
The model's output is data (OWASP LLM05): an invented label, a bare number (`[3]`, a habit of numbered prompts) or
a label used as a link's text or as a link definition is removed or separated, so a citation never becomes a link.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MAX_GROUP = 300  # longest `[…]` read as one citation group (several labels, or an article's full id as its tag)

_GROUP = re.compile(rf"\[([^\[\]\n]{{1,{MAX_GROUP}}})\]")
_NUMERIC = re.compile(r"\s*\d{1,3}[a-z]?(?:\s*[,;]\s*\d{1,3}[a-z]?)*\s*")  # [3], [15, 16a]; not [2023]
_PART = re.compile(r"[,;]")
_PILCROW = re.compile(r"\s*¶\s*")
_PARAGRAPH_ONLY = re.compile(r"¶(\d+)")
_SPACES = " \t"
MAX_DROPPED = 20


def _key(text: str) -> str:
    """A label as compared: case and spacing folded (`Kim-Clijsters¶ 7` ~ `kim-clijsters ¶7`)."""
    return _PILCROW.sub(" ¶", " ".join(text.split()).casefold()).strip()


def tag_of(label: str) -> str:
    """The article part of a label: `kim-clijsters ¶7` -> `kim-clijsters`."""
    return label.rsplit(" ¶", 1)[0]


class CitationFilter:
    """Keeps citations of the labels given, drops the rest, also when a citation arrives split across deltas."""

    def __init__(self, labels: Iterable[str]) -> None:
        self.labels = list(dict.fromkeys(labels))
        self.cited: list[str] = []  # the given labels cited, in the order first cited
        self.dropped: list[str] = []  # what was removed, for the answer's trace
        self._by_key = {_key(lab): lab for lab in self.labels}
        self._by_tag: dict[str, list[str]] = {}
        self._by_paragraph: dict[str, list[str]] = {}
        for lab in self.labels:
            self._by_tag.setdefault(_key(tag_of(lab)), []).append(lab)
            self._by_paragraph.setdefault(lab.rsplit("¶", 1)[-1], []).append(lab)
        tags = sorted(self._by_tag, key=len, reverse=True)  # the longest tag first: `pfas-eu` before `pfas`
        self._tagged = [(t, re.compile(rf"{re.escape(t)}(?:(?:\s+|\s*¶\s*)(\d+))?")) for t in tags]
        self._pending = ""
        self._last = "\n"  # the last character emitted: the answer starts on a fresh line
        self._carry: bool | None = None  # the text so far ends in a kept citation (starting a line or not)

    def feed(self, delta: str) -> str:
        """The text safe to show now; what might still turn out to be (part of) a citation is held back."""
        text = self._pending + delta
        cut = self._hold_from(text)
        self._pending = text[cut:]
        return self._emit(text[:cut])

    def flush(self) -> str:
        """What was held back, at the end of the reply."""
        text, self._pending = self._pending, ""
        return self._emit(text)

    def _hold_from(self, text: str) -> int:
        """Where to stop emitting: an open `[`, a citation whose next character is not here yet, trailing spaces.

        What is held stays short (one label group), so a hostile reply cannot make each delta cost more."""
        end = len(text)
        cut = end
        start = text.rfind("[", max(0, end - MAX_GROUP - 2))
        if start != -1 and "]" not in text[start:] and "\n" not in text[start:]:
            cut = start  # maybe the start of a citation: wait for its `]`
        elif start != -1 and _GROUP.fullmatch(text, start) and self._is_citation(text[start + 1 : -1]):
            cut = start  # a citation: what follows decides whether it would make a link
        floor = max(0, cut - MAX_GROUP)
        return floor + len(text[floor:cut].rstrip(_SPACES))  # spaces wait too: a removed citation takes them along

    def _emit(self, text: str) -> str:
        """`text` with its citations checked, kept ones apart from a `(`, `[` or `:` that would make them links."""
        out: list[str] = []
        kept: list[tuple[int, bool]] = []  # (index in out, whether it starts a line) of each citation kept
        if self._carry is not None:  # the last text ended in a kept citation: "" stands for the space it may need
            out, kept = [""], [(0, self._carry)]
        line_start = self._last == "\n"
        pos = 0
        for m in _GROUP.finditer(text):
            content = m.group(1)
            if not self._is_citation(content):
                continue  # ordinary brackets (`[sic]`, a link's text) stay text
            before = text[pos : m.start()]
            out.append(before)
            line_start = _line_start(line_start, before)
            pos = m.end()
            if text.startswith(":", pos) and line_start:
                good = []  # `[label]: url` at a line's start defines a link: not a citation
                self._drop(content.strip())
            else:
                good = self._resolve(content)
            if good:
                self.cited.extend(g for g in good if g not in self.cited)
                kept.append((len(out), line_start))
                out.append(f"[{', '.join(good)}]")
                line_start = False
            else:
                _trim_spaces(out, kept[-1][0] if kept else -1)  # the space before a removed citation goes with it
        out.append(text[pos:])
        self._carry = None
        for i, at_line_start in kept:
            after = next((piece[0] for piece in out[i + 1 :] if piece), "")
            if not after:
                self._carry = at_line_start  # decided by what comes next
            elif after in ("(", "[") or (after == ":" and at_line_start):
                out[i] += " "  # `[label](url)`, `[a][b]`, `[label]: url` would make a citation a link
        result = "".join(out)
        if result:
            self._last = result[-1]
        return result

    def _drop(self, citation: str) -> None:
        if len(self.dropped) < MAX_DROPPED:  # a reply of endless invented labels does not grow the trace
            self.dropped.append(citation)

    def _is_citation(self, content: str) -> bool:
        """Whether `[content]` is meant as a citation: it holds a ¶, is a bare number, or starts with a given tag."""
        if "¶" in content or _NUMERIC.fullmatch(content):
            return True
        return any(rx.fullmatch(_key(part)) for part in _PART.split(content) for _, rx in self._tagged)

    def _resolve(self, content: str) -> list[str]:
        """The given labels a citation group names (`a ¶1, ¶2` is `a ¶1` and `a ¶2`); a part naming none is dropped."""
        good: list[str] = []
        hint = ""
        for part in _PART.split(content):
            label = self._label(_key(part), hint)
            if label is None:
                if part.strip():
                    self._drop(part.strip())
                continue
            hint = _key(tag_of(label))
            if label not in good:
                good.append(label)
        return good

    def _label(self, key: str, hint: str) -> str | None:
        if key in self._by_key:
            return self._by_key[key]
        m = _PARAGRAPH_ONLY.fullmatch(key)
        if m:  # `¶7`: the tag of the group's previous label, or the one given passage with that number
            if hint and f"{hint} ¶{m[1]}" in self._by_key:
                return self._by_key[f"{hint} ¶{m[1]}"]
            return _only(self._by_paragraph.get(m[1], []))
        for tag, rx in self._tagged:
            t = rx.fullmatch(key)
            if t and t[1]:  # `kim-clijsters 7`
                return self._by_key.get(f"{tag} ¶{t[1]}")
            if t:  # the article alone: the one passage of it that was given
                return _only(self._by_tag[tag])
        return None


def _line_start(was: bool, added: str) -> bool:
    """Whether the output is at the start of a line (nothing but spaces since the last newline) after `added`."""
    if "\n" in added:
        return not added.rsplit("\n", 1)[1].strip(_SPACES)
    return was and not added.strip(_SPACES)


def _trim_spaces(out: list[str], last_kept: int) -> None:
    """Spaces at the end of `out` removed, back to the last kept citation (index `last_kept`) at most."""
    while len(out) - 1 > last_kept:
        out[-1] = out[-1].rstrip(_SPACES)
        if out[-1]:
            return
        out.pop()


def _only(labels: list[str]) -> str | None:
    return labels[0] if len(labels) == 1 else None
