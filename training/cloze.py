"""Cloze questions made from real article text in both languages, as unsupervised QA does (Lewis et al. 2019).

A sentence of a training paragraph that holds a number, a year or a name becomes a question: the item is replaced
by a question word of its kind ("Het theater was in bedrijf van wanneer tot 1939?"), a share of the sentence's
other words is dropped so the question does not copy the text word for word, and the answer is the item where it
stands in the paragraph. Only `train` paragraphs are used.
"""
from __future__ import annotations

import random
import re

from .data import Example

_YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-4]\d)\b")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_NAME = re.compile(r"(?<=[a-z,;] )((?:[A-Z][\w'’-]+)(?: (?:van|de|der|den|von|of|the|la|le)?\s?[A-Z][\w'’-]+){0,3})")
_SENTENCE = re.compile(r"[^.!?]+[.!?]")
WORDS = {"en": {"year": "when", "number": "how many", "name": "what"},
         "nl": {"year": "wanneer", "number": "hoeveel", "name": "wat"}}


def items(sentence: str) -> list[tuple[str, int, str]]:
    """(text, start, kind) of the items a cloze can ask for in a sentence."""
    out = [(m.group(1), m.start(1), "year") for m in _YEAR.finditer(sentence)]
    taken = {s for _, s, _ in out}
    out += [(m.group(1), m.start(1), "number") for m in _NUMBER.finditer(sentence) if m.start(1) not in taken]
    out += [(m.group(1), m.start(1), "name") for m in _NAME.finditer(sentence)]
    return out


def cloze(ex: Example, rng: random.Random, drop: float = 0.3) -> Example | None:
    """One cloze question on the example's paragraph, or None when no sentence holds an item."""
    sentences = [(m.group(), m.start()) for m in _SENTENCE.finditer(ex.context) if len(m.group().split()) >= 6]
    rng.shuffle(sentences)
    for sent, at in sentences:
        found = items(sent)
        if not found:
            continue
        text, start, kind = rng.choice(found)
        word = WORDS[ex.c_lang][kind]
        before = sent[:start].split()
        after = sent[start + len(text) :].split()
        keep = [w for w in before if rng.random() > drop] + [word] + [w for w in after if rng.random() > drop]
        question = " ".join(keep).rstrip(".!?,;:") + "?"
        return Example(f"{ex.qid}-cloze", question[0].upper() + question[1:], ex.context,
                       ((text, at + start),), ex.title, ex.split, "cloze", ex.c_lang, ex.c_lang)
    return None


def make(examples: list[Example], per_paragraph: int = 2, seed: int = 17) -> list[Example]:
    """Cloze questions on each distinct training paragraph."""
    rng = random.Random(seed)
    seen: dict[str, Example] = {}
    for ex in examples:
        if ex.split == "train" and ex.source in ("v2", "v1", "xq-nl"):
            seen.setdefault(ex.context, ex)
    out = []
    for ex in seen.values():
        for n in range(per_paragraph):
            got = cloze(Example(f"{ex.qid}-{n}", "", ex.context, (), ex.title, ex.split, ex.source, ex.c_lang,
                                ex.c_lang), rng)
            if got is not None:
                out.append(got)
    return out
