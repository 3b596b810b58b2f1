"""The training questions: SQuAD 2.0 and 1.1 (English) and XQuAD in Dutch, read from ../shared/eval/squad/, split.

Splits follow the shared README: train on the `train` titles only; the `dev` titles are for reporting. Three
training titles of SQuAD 2.0 and four of XQuAD-nl are kept apart as `calib`: the no-answer threshold and the
choice between runs are made there, never on `dev`. The XQuAD paragraphs are SQuAD 1.1 paragraphs, so the English
originals of the XQuAD-nl `dev` paragraphs are left out of every training set (they stand in SQuAD 2.0's and 1.1's
training titles too).
"""
from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "squad"
CALIB_V2 = ("rhine", "pharmacy", "immune-system")  # held out of fitting: the threshold is chosen on them
CALIB_XQ = ("xquad-nl-kenya", "xquad-nl-pharmacy", "xquad-nl-warsaw", "xquad-nl-construction")


@dataclass(frozen=True)
class Example:
    """One question on one paragraph; answers are (text, char start) in `context`; none when unanswerable."""

    qid: str
    question: str
    context: str
    answers: tuple[tuple[str, int], ...]
    title: str
    split: str  # train | calib | dev
    source: str  # v2 | v1 | xq-nl | xq-en (English question, Dutch paragraph) | xq-nl-en (the reverse) | neg | cloze
    q_lang: str = "en"
    c_lang: str = "en"

    @property
    def impossible(self) -> bool:
        return not self.answers


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _squash(text: str) -> str:
    return " ".join(text.split())[:200]


def _splits(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out[d["article"]] = d["split"]
    return out


def _xquad_dev_paragraphs() -> set[str]:
    """The English originals of the XQuAD-nl `dev` paragraphs (by their first 200 characters)."""
    splits = _splits(SHARED / "xquad-nl" / "questions.jsonl")
    en = json.loads((SHARED / "json" / "xquad.en.shared.json").read_text(encoding="utf-8"))["data"]
    return {_squash(p["context"]) for a in en if splits.get("xquad-nl-" + slug(a["title"])) == "dev"
            for p in a["paragraphs"]}


def _squad(path: Path, source: str, splits: dict[str, str] | None, skip: set[str]) -> Iterator[Example]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for art in data:
        title = slug(art["title"])
        split = (splits or {}).get(title, "train")
        if split == "train" and title in CALIB_V2:
            split = "calib"
        for para in art["paragraphs"]:
            ctx = para["context"]
            if split != "dev" and _squash(ctx) in skip:
                continue
            for qa in para["qas"]:
                answers = tuple((a["text"], a["answer_start"]) for a in qa.get("answers", []))
                if qa.get("is_impossible"):
                    answers = ()
                yield Example(qa["id"], qa["question"], ctx, answers, title, split, source)


def _xquad() -> Iterator[Example]:
    """Dutch paragraphs with their Dutch questions and with the English originals of those questions."""
    splits = _splits(SHARED / "xquad-nl" / "questions.jsonl")
    en = json.loads((SHARED / "json" / "xquad.en.shared.json").read_text(encoding="utf-8"))["data"]
    nl = json.loads((SHARED / "json" / "xquad.nl.shared.json").read_text(encoding="utf-8"))["data"]
    english = {qa["id"]: qa["question"] for a in en for p in a["paragraphs"] for qa in p["qas"]}
    for a_en, a_nl in zip(en, nl):
        title = "xquad-nl-" + slug(a_en["title"])
        split = splits.get(title)
        if split is None:
            continue
        split = "calib" if split == "train" and title in CALIB_XQ else split
        dutch = {qa["id"]: qa["question"] for p in a_nl["paragraphs"] for qa in p["qas"]}
        for para in a_en["paragraphs"]:  # the reverse: a Dutch question on the English paragraph
            for qa in para["qas"]:
                if qa["id"] in dutch:
                    gold = qa["answers"][0]
                    yield Example(qa["id"] + "-nl-en", dutch[qa["id"]], para["context"],
                                  ((gold["text"], gold["answer_start"]),), title, split, "xq-nl-en", "nl", "en")
        for para in a_nl["paragraphs"]:
            ctx = para["context"]
            for qa in para["qas"]:
                gold = qa["answers"][0]["text"]
                at = ctx.find(gold)
                if at < 0:
                    at = ctx.lower().find(gold.lower())
                if at < 0:
                    continue  # the translated answer is not in the translated paragraph
                answers = ((ctx[at : at + len(gold)], at),)
                yield Example(qa["id"], qa["question"], ctx, answers, title, split, "xq-nl", "nl", "nl")
                if qa["id"] in english:
                    yield Example(qa["id"] + "-en", english[qa["id"]], ctx, answers, title, split, "xq-en", "en", "nl")


def load() -> list[Example]:
    """Every example of the shared data, with its split."""
    skip = _xquad_dev_paragraphs()
    v2_splits = _splits(SHARED / "v2" / "questions.jsonl")
    out = list(_squad(SHARED / "json" / "squad-v2.0-dev.shared.json", "v2", v2_splits, skip))
    out += _squad(SHARED / "json" / "squad-v1.1-dev.extra.json", "v1", None, skip)
    out += _xquad()
    return out


def paragraphs_by_title(examples: list[Example]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ex in examples:
        paras = out.setdefault(ex.title, [])
        if ex.context not in paras:
            paras.append(ex.context)
    return out


def negatives(examples: list[Example], nearest, seed: int = 13) -> list[Example]:
    """Each answerable training question on another paragraph of its article: the one nearest the question by
    `nearest(question, paragraphs) -> index` (what the retriever would put beside the right one). Unanswerable."""
    rng = random.Random(seed)
    paras = paragraphs_by_title(examples)
    out = []
    for ex in examples:
        if ex.impossible or ex.source in ("neg", "cloze"):
            continue
        others = [p for p in paras[ex.title] if p != ex.context and not any(a in p for a, _ in ex.answers)]
        if not others:
            continue
        pick = others[nearest(ex.question, others)] if nearest else rng.choice(others)
        out.append(Example(ex.qid + "-neg", ex.question, pick, (), ex.title, ex.split, "neg", ex.q_lang, ex.c_lang))
    return out
