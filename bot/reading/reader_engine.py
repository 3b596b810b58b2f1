"""The offline answer engine: a trained reader finds the span that answers in the passages retrieved, a gate fitted
on training data decides between stating it, quoting its sentence alone and refusing, and the reply states the
span in the asker's words before the sentence that holds it."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.common.calibration import DEFAULT, Calibration
from bot.common.models import Answer, Article, Scope, Source, Trace
from bot.language.followup import FollowUp
from bot.language.question import Question, analyse
from bot.language.replies import cite, quoted, say, the_article, trim
from bot.retrieval.retriever import ArticleText, Sentences
from knowledge.language import own_function_words
from knowledge.reader import Span

from .gate import Gate, Hit, Read, features
from .overview import catalogue, summarise, topic_terms, topics, wants_catalogue
from .restate import restate
from .speakers import speaker_in


class KnowledgeSource(Protocol):
    """What the engine reads from the store beyond the passages it is given."""

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]: ...
    def article(self, article_id: str) -> ArticleText | None: ...
    def articles(self, scope: Scope | None = None) -> list[Article]: ...


class SpanReader(Protocol):
    """Reads a question against passages: each passage's best answer span with its scores."""

    def read(self, question: str, passages: Sequence[str]) -> list[Span]: ...


@dataclass(frozen=True)
class ReaderCalibration:
    """The reading decision's numbers, chosen on the training data's `calib` titles (knowledge/reader/reader.json)."""

    threshold: float  # without a gate: answer when the best span's margin over no answer is above this
    passages: int = 3  # passages read, best retrieved first
    chosen_on: str = ""  # the data that chose them
    gate: Gate | None = None  # item, sentence alone or refusal, from the reader's and the retriever's scores
    # A phrase in the article's language ("in het zuidelijke deel van de …") is quoted in its sentence, not stated
    # to an asker of the other language; off only for the gate's records, which judge the item itself.
    quote_foreign_phrases: bool = True

    @classmethod
    def load(cls, path: Path) -> ReaderCalibration:
        d = json.loads(path.read_text(encoding="utf-8"))
        gate = Gate.from_json(d["gate"]) if "gate" in d else None
        return cls(float(d["threshold"]), int(d["passages"]), str(d.get("chosen_on", "")), gate)


@dataclass
class _Asked:
    """One question as the steps see it, and what they found so far (the trace)."""

    question: str
    q: Question
    passages: list[Source]
    language: str
    context: FollowUp | None
    scope: Scope | None = None  # the channel's articles: what an overview or a refusal lists
    steps: list[str] = field(default_factory=list)
    spans: tuple[tuple[str, float, float, str], ...] = ()

    @property
    def read_as(self) -> str:
        """What the reader reads: a follow-up as one question (never widened with the previous turn's)."""
        return (self.context.read_as or self.question) if self.context is not None else self.question

    def trace(self, rule: str, detail: str = "") -> Trace:
        return Trace(rule, detail, tuple((p.label, p.score) for p in self.passages), (), tuple(self.steps),
                     spans=self.spans)


class ReaderEngine:
    """Answers from the articles' own words: the reader's span, stated in the asker's language, and its sentence."""

    def __init__(self, store: KnowledgeSource, reader: SpanReader, decision: ReaderCalibration, *, top_k: int = 4,
                 calibration: Calibration = DEFAULT) -> None:
        self.store, self.reader, self.decision = store, reader, decision
        self.top_k = top_k
        self.cal = calibration
        # The steps in order: the first that gives an Answer decides (the trace names it).
        self.steps: tuple[tuple[str, Callable[[_Asked], Answer | None]], ...] = (
            ("empty_store", self._empty_store),
            ("speaker", self._speaker),
            ("overview", self._overview),
            ("nothing_asked", self._nothing_asked),
            ("read", self._read),
        )

    def stream(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Iterator[str | Answer]:
        yield self.answer(question, passages, language, context, scope)

    def answer(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Answer:
        asked = _Asked(question, analyse(question), list(passages), language, context, scope)
        if context is not None:
            asked.steps.append(f"follow-up of {context.previous.question!r}: article={context.article} "
                               f"searched as {context.query!r}, read as {asked.read_as!r}")
        for _name, step in self.steps:
            got = step(asked)
            if got is not None:
                return got
        raise AssertionError("the read step always answers")

    def _empty_store(self, a: _Asked) -> Answer | None:
        if a.passages:
            return None
        return Answer(say("empty", a.language), (), False, a.language, trace=a.trace("empty_store", "no passages"))

    def _speaker(self, a: _Asked) -> Answer | None:
        """"Wie zei dat?" right after a quoted answer: the one the quote reports as speaking, from that quote."""
        c = a.context
        if c is None or not c.anaphoric or a.q.kind != "person" or c.quoted is None:
            return None
        quote = quoted(c.previous.answer.text)
        name = speaker_in(quote) if quote else None
        if name is None:
            return None
        a.steps.append(f"speaker of the previous quote: {name.text!r} (the reader is not run)")
        text = say("item", a.language, item=name.text, the_article=the_article(a.language, False),
                   cite=cite(c.quoted), quote=quote)
        return Answer(text, (c.quoted,), True, a.language, trace=a.trace("speaker", name.text), item=name.text)

    def _overview(self, a: _Asked) -> Answer | None:
        if a.q.kind != "overview":
            return None
        arts = [x for x in (self.store.article(r.id) for r in self.store.articles(a.scope)) if x is not None]
        topical = topic_terms(a.q.terms) or a.q.names
        prior = a.context.article if a.context else None
        if wants_catalogue(a.q.text, a.q.terms) or (not topical and not prior and len(arts) > 1):
            ov = catalogue(arts, a.language)
        else:
            target = a.passages[0].article if topical or not prior else prior
            art = self.store.article(target) if target else None
            if art is None:
                ov = catalogue(arts, a.language)
            else:
                srcs = [Source(art.id, art.title, p, t, 1.0, art.date, art.language, art.tag, art.url)
                        for p, t in enumerate(art.paragraphs, start=1)]
                ov = summarise(art, self.store.sentences(srcs), a.language)
        a.steps.append(f"{ov.rule} (the reader is not run for an overview)")
        return Answer(ov.text, ov.sources, True, a.language, trace=a.trace("overview", ov.rule))

    def _nothing_asked(self, a: _Asked) -> Answer | None:
        if a.q.terms or a.q.names or a.context is not None:
            return None
        return self._refuse(a, None, "nothing_asked", "the question names nothing to look for")

    def _read(self, a: _Asked) -> Answer:
        chosen = a.passages[: self.decision.passages]
        spans = self.reader.read(a.read_as, [p.text for p in chosen])
        a.spans = tuple((chosen[s.passage].label, round(s.score, 3), round(s.null, 3), s.text) for s in spans)
        best = max(spans, key=lambda s: s.margin)
        src = chosen[best.passage]
        verdict, detail = self._decide(a, best, spans, chosen)
        a.steps.append(f"best span {best.text!r} in [{src.label}]: {detail}")
        if verdict == "refuse":
            return self._refuse(a, src, "no_answer", detail)
        quote, at = self._sentence(src, best)
        quote = trim(quote, self.cal.max_quote_chars, at)
        sources = self._sources(src, a.passages)
        item = restate(best.text, src.language, a.language) if verdict == "item" else ""
        if (item and self.decision.quote_foreign_phrases and src.language and src.language != a.language
                and own_function_words(item, src.language)):
            verdict, detail = "sentence", f"{detail}; the item is in the article's language → sentence"
        if verdict == "sentence":
            text = say("according", a.language, the_article=the_article(a.language, False), cite=cite(src),
                       quote=quote)
            return Answer(text, sources, True, a.language, trace=a.trace("sentence", detail))
        text = say("item", a.language, item=item, the_article=the_article(a.language, False), cite=cite(src),
                   quote=quote)
        return Answer(text, sources, True, a.language, trace=a.trace("answer", detail), item=item)

    def _decide(self, a: _Asked, best: Span, spans: Sequence[Span], chosen: Sequence[Source]) -> tuple[str, str]:
        """The gate's verdict (item, sentence or refuse) on the best span, and the figures behind it, for the trace."""
        gate = self.decision.gate
        if gate is None:
            verdict = "item" if best.margin > self.decision.threshold else "refuse"
            return verdict, f"margin {best.margin:.2f}, threshold {self.decision.threshold:.2f}"
        reads = [Read(chosen[s.passage].label, s.score, s.null, s.text) for s in spans]
        hits = [Hit(p.label, p.score, p.language) for p in a.passages[:4]]
        verdict, p_item, p_sentence = gate.decide(features(reads, hits, a.language, a.q.kind))
        return verdict, (f"margin {best.margin:.2f}; chance the item is right {p_item:.2f} (states it above "
                         f"{gate.item_above:.2f}), that its sentence answers {p_sentence:.2f} (quotes it above "
                         f"{gate.sentence_above:.2f}) → {verdict}")

    def _sentence(self, src: Source, span: Span) -> tuple[str, tuple[int, int]]:
        """The sentences of the passage the span stands in, and the span's place in them."""
        texts = self.store.sentences([src]).get((src.article, src.paragraph))
        if texts is None:
            return src.text, (span.start, span.end)
        at, first, last = 0, None, None
        for sent in texts.texts:
            begin = src.text.find(sent, at)
            if begin < 0:
                return src.text, (span.start, span.end)
            end = begin + len(sent)
            if first is None and end > span.start:
                first = begin
            if begin < span.end:
                last = end
            at = end
        if first is None or last is None:
            return src.text, (span.start, span.end)
        return src.text[first:last], (span.start - first, span.end - first)

    def _refuse(self, a: _Asked, closest: Source | None, rule: str, why: str) -> Answer:
        listed = self.store.articles(a.scope)
        several = len(listed) > 1
        top = a.passages[0] if a.passages else None
        if top is not None and top.score < self.cal.related:
            text = say("off_topic", a.language, topics=topics([x.title for x in listed], a.language))
            return Answer(text, (), False, a.language, trace=a.trace(rule, why))
        text = say("not_found", a.language, the_article=the_article(a.language, several))
        sources: tuple[Source, ...] = ()
        if closest is not None:
            text += "\n" + say("closest", a.language, cite=cite(closest), quote=trim(closest.text, 300))
            sources = (closest,)
        return Answer(text, sources, False, a.language, trace=a.trace(rule, why))

    def _sources(self, cited: Source, passages: list[Source]) -> tuple[Source, ...]:
        rest = [p for p in passages if p != cited]
        return tuple([cited, *rest][: self.top_k])

