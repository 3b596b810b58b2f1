"""The offline answer engine: states the item asked for, quotes the sentence that gives it, or says it can't."""
from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, cast

import numpy as np

from bot.common.calibration import DEFAULT, Calibration
from bot.common.models import Answer, Article, Scope, Source, Trace
from bot.language.cues import PRONOUNS_PERSON
from bot.language.followup import FollowUp
from bot.language.match import Matcher, WordVectors, article_words
from bot.language.numbers import ordinals_in
from bot.language.question import Question, analyse, masked
from bot.language.replies import cite, quoted, say, the_article, trim
from bot.language.words import fold
from bot.retrieval.retriever import ArticleText, Sentences

from . import rules
from .items import says
from .overview import catalogue, summarise, topic_terms, topics, wants_catalogue
from .pick import Pick, candidates, choose_role, where_is
from .scoped import Scoped, ScopedSource
from .speakers import speaker_in
from .windows import Window, build

log = logging.getLogger("briefbot.extractive")


class KnowledgeSource(Protocol):
    """What the engine reads from the store beyond the passages it is given."""

    @property
    def words(self) -> WordVectors: ...

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]: ...
    def article(self, article_id: str) -> ArticleText | None: ...
    def mentions(self, name: str) -> bool: ...
    def articles(self) -> list[Article]: ...


class QueryEmbedder(Protocol):
    def query(self, text: str) -> np.ndarray: ...


@dataclass
class _Trail:
    """The steps behind one answer, kept as it is worked out and attached to the Answer."""

    passages: tuple[tuple[str, float], ...] = ()
    windows: tuple[tuple[str, float, str], ...] = ()
    steps: list[str] = field(default_factory=list)

    def trace(self, rule: str, detail: str = "") -> Trace:
        return Trace(rule, detail, self.passages, self.windows, tuple(self.steps))


@dataclass(frozen=True)
class _Choice:
    """What the engine would answer with: the question as finally read, the window to quote, the item in it."""

    q: Question
    window: Window
    span: tuple[int, int] | None
    item: str


Check = Callable[[_Choice, str, ArticleText | None], str | None]


class ExtractiveEngine:
    """Answers from the articles' own sentences, framed in the asker's language; never invents a fact."""

    def __init__(self, store: KnowledgeSource, embedder: QueryEmbedder, *, top_k: int = 4,
                 calibration: Calibration = DEFAULT) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.cal = calibration
        self.matcher = Matcher(store.words, calibration.word_match)
        self.names = Matcher(store.words, calibration.name_match)  # names: one word, translated or not

    def stream(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Iterator[str | Answer]:
        yield self.answer(question, passages, language, context, scope)

    def answer(self, question: str, passages: Sequence[Source], language: str,
               context: FollowUp | None = None, scope: Scope | None = None) -> Answer:
        if scope is not None:  # a channel's articles only: the same engine, reading a narrowed knowledge base
            return self.within(scope).answer(question, passages, language, context)
        q = analyse(question)
        cands = list(passages)
        trail = _Trail(passages=tuple((c.label, c.score) for c in cands))
        trail.steps.append(f"question: kind={q.kind} focus={q.focus} names={q.names} years={q.years}")
        if context is not None:
            trail.steps.append(f"follow-up of {context.previous.question!r}: article={context.article} "
                               f"referent={context.referent!r}")
            q = _with_referent(q, context)
        if (said := self._speaker(q, context, language, trail)) is not None:
            return said
        if (why := rules.empty_store(cands)) is not None:
            return Answer(say("empty", language), (), False, language, trace=trail.trace("empty_store", why))
        if q.kind == "overview":
            return self._overview(q, cands, language, context, trail)
        if (why := rules.nothing_asked(q, context is not None)) is not None:
            return Answer(say("not_found", language, the_article=the_article(language, self._several())), (),
                          False, language, trace=trail.trace("nothing_asked", why))
        read = cands[: self.cal.read_paragraphs]
        qvec = self.embedder.query(context.query if context else question)
        boost = {context.article: self.cal.follow_up_boost} if context and context.article else None
        if context is not None and context.quoted is not None and rules.in_previous_quote(q, context):
            boost = {**(boost or {}), context.quoted.label: self.cal.thread_lean}  # "… ze de finale?": that final
        relation = self._relation(q, language)
        windows = build(qvec, q.terms, read, self.store.sentences(read), self.cal, boost, reason=q.kind == "reason",
                        relation=relation, ordinals=ordinals_in(q.text))
        trail.windows = tuple((w.source.label, round(w.score, 4), w.text[:160]) for w in windows[:6])
        several = self._several()
        about_subject = q.kind in ("role", "describe") and any(rules.names_subject(q, c.text) for c in read)
        if not about_subject and (why := rules.off_topic(windows, self.cal)) is not None:
            return self._off_topic(language, trail, why)
        if (why := rules.unknown_name(q, cands, self.matcher, self.store.mentions, self.names)) is not None:
            return self._refuse(windows, cands, language, several, trail, "unknown_name", why)
        cited = context.quoted if context is not None else None
        return self._decide(q, cands, windows, language, several, trail,
                            (cited.article, cited.paragraph) if cited is not None else None)

    def _decide(self, q: Question, cands: list[Source], windows: list[Window], language: str, several: bool,
                trail: _Trail, thread: tuple[str, int] | None = None) -> Answer:
        """Choose the window and item, then run the declared checks (`self.checks`): the first that objects refuses,
        and the trace names it."""
        chosen = self._choose(q, cands, windows, language, several, trail, thread)
        if isinstance(chosen, Answer):
            return chosen
        w = chosen.window
        trail.steps.append(f"window {w.source.label} dense={w.dense:.3f} related={w.related:.3f} score={w.score:.3f}")
        art = self.store.article(w.source.article)
        for name, check in self.checks:
            if (why := check(chosen, language, art)) is not None:
                return self._refuse(windows, cands, language, several, trail, name, why)
        return self._compose(chosen.q, w, chosen.span, chosen.item, windows, cands, language, trail)

    def _choose(self, q: Question, cands: list[Source], windows: list[Window], language: str, several: bool,
                trail: _Trail, thread: tuple[str, int] | None) -> _Choice | Answer:
        """The item of the kind asked (or, for a quote or an untyped question, the window to quote), or a refusal."""
        if q.kind in ("role", "describe"):
            found = choose_role(q, windows, self.cal.type_margin)
            picks = [found] if found else []
        else:
            floor = self.cal.attach if q.counts and q.focus else 0.0  # what weak_item holds a count to
            picks = candidates(q, windows, self.matcher, self.cal.type_margin, language, floor=floor) if q.typed else []
        if q.typed and not picks and not self._may_quote_instead(q, windows[0]):
            return self._refuse(windows, cands, language, several, trail, "no_item", f"no {q.kind} near the top")
        pick, failed = self._vet(q, picks, language, trail, thread)
        if picks and pick is None:
            return self._refuse(windows, cands, language, several, trail, *failed)
        if pick is not None:
            return _Choice(q, pick.window, (pick.item.start, pick.item.end), pick.item.stated)
        if q.kind == "quote" and q.subject or q.kind == "quote" and context_pronoun(q):
            return self._quoted(q, cands, windows, language, several, trail)
        window = windows[0]
        by_name = q.kind in ("role", "describe") and rules.names_subject(q, window.text)
        if not by_name and (why := rules.weak_support(window, q, self.cal)) is not None:
            return self._refuse(windows, cands, language, several, trail, "weak_support", why)
        return _Choice(q, window, None, "")

    def _quoted(self, q: Question, cands: list[Source], windows: list[Window], language: str, several: bool,
                trail: _Trail) -> _Choice | Answer:
        """"What did X say": the window that reports X's words (or, for "she", anyone's), or a refusal."""
        near = [w for w in windows if w.score >= windows[0].score - self.cal.type_margin]
        said = [w for w in near if rules.unattributed(q, w, w.source.text, self.matcher) is None]
        others = tuple(n for n in q.names if tuple(fold(x) for x in n.split()) != q.subject)
        if others:  # "Wat zei ze tegen GB News?": words reported beside GB News, whoever "ze" turns out to be
            loose = replace(q, subject=()) if context_pronoun(q) else q
            named = [w for w in near if rules.unattributed(loose, w, w.source.text, self.matcher) is None
                     and not rules.missing_names(replace(q, names=others), [w.text], self.matcher, strict=True)]
            said = sorted(named, key=lambda w: w not in said) or said
        if not said and context_pronoun(q):  # "she" was read as someone the passages do not quote: drop the guess
            q = replace(q, subject=())
            said = [w for w in near if rules.unattributed(q, w, w.source.text, self.matcher) is None]
        if not said:
            why = rules.unattributed(q, windows[0], windows[0].source.text, self.matcher) or "nobody quoted"
            return self._refuse(windows, cands, language, several, trail, "unattributed", why)
        return _Choice(q, said[0], None, "")

    # --- the checks a chosen answer must pass, in order (`self.checks`); each returns why it objects, or None ---

    @property
    def checks(self) -> tuple[tuple[str, Check], ...]:
        """The checks in order: the first that objects refuses, and the trace names it."""
        return (("uncovered", self._uncovered), ("after_now", self._after_now),
                ("weak_relation", self._weak_relation), ("foreign_names", self._foreign_names),
                ("wrong_year", self._wrong_year))

    def _uncovered(self, c: _Choice, language: str, art: ArticleText | None) -> str | None:
        if c.item or c.q.kind == "quote":
            return None
        return rules.uncovered(c.q, c.window, language, self.matcher)

    def _after_now(self, c: _Choice, language: str, art: ArticleText | None) -> str | None:
        return rules.after_now(c.q, c.window)

    def _weak_relation(self, c: _Choice, language: str, art: ArticleText | None) -> str | None:
        q, window = c.q, c.window
        if q.kind in ("role", "describe", "quote") or where_is(q):  # a gloss is the relation
            return None
        masked = window.related != window.dense and bool(q.names)
        return rules.weak_relation(window, q, self.cal, masked)

    def _foreign_names(self, c: _Choice, language: str, art: ArticleText | None) -> str | None:
        if art is None:
            return None
        cross = bool(art.language) and art.language != language
        return rules.foreign_names(c.q, art.paragraphs, self.matcher, cross, self.names)

    def _wrong_year(self, c: _Choice, language: str, art: ArticleText | None) -> str | None:
        return rules.wrong_year(c.q, art.paragraphs, art.date) if art is not None else None

    def _compose(self, q: Question, window: Window, span: tuple[int, int] | None, item: str,
                 windows: list[Window], cands: list[Source], language: str, trail: _Trail) -> Answer:
        chosen = [window]
        quote = trim(window.text, self.cal.max_quote_chars, span)
        if item:
            text = say("item", language, item=item, the_article=the_article(language, False),
                       cite=cite(window.source), quote=quote)
            rule = f"typed:{q.kind}"
        else:
            window = self._widen(window, windows)
            quote = trim(window.text, self.cal.max_quote_chars, span)
            text = say("according", language, the_article=the_article(language, False), cite=cite(window.source),
                       quote=quote)
            rule = q.kind or "best_window"
            second = next((w for w in windows[1:] if w.key != window.key and w.source.article == window.source.article
                           and w.score >= window.score - self.cal.second_margin), None)
            if second is not None and len(window.text) + len(second.text) <= self.cal.max_quote_chars:
                chosen.append(second)
                text += "\n" + say("also", language, cite=cite(second.source), quote=second.text)
        sources = self._sources([w.source for w in chosen], cands)
        return Answer(text, sources, True, language, trace=trail.trace(rule, window.source.label), item=item)

    def _vet(self, q: Question, picks: list, language: str, trail: _Trail,
             thread: tuple[str, int] | None = None) -> tuple:
        """The best item that passes the item rules, or None and the first rule that failed (the best item's). An
        item in the paragraph the thread's last answer quoted needs no similarity floor: the thread is about it
        ("Uit welke landen komen ze?" after "12.000 … asylee hopefuls from Afghanistan, Eritrea…")."""
        first: tuple[str, str] = ("no_item", "")
        for pick in picks:
            trail.steps.append(f"item {pick.item.text!r} ({pick.item.kind}, fit {pick.fit:.3f}, near {pick.near:.2f}) "
                               f"in {pick.window.source.label}")
            failed = next(((rule, why) for rule, check in self._item_rules(q, pick, language, thread)
                           if (why := check()) is not None), None)
            if failed is None:
                return pick, first
            trail.steps.append(f"  {failed[0]}: {failed[1]}")
            if first[0] == "no_item":
                first = failed
        return None, first

    def _item_rules(self, q: Question, pick: Pick, language: str,
                    thread: tuple[str, int] | None) -> tuple[tuple[str, Callable[[], str | None]], ...]:
        """The rules an item must pass, in order; each runs only when those before it passed."""
        w, it = pick.window, pick.item
        by_name = q.kind in ("role", "describe") or w.key == thread  # evidence enough without a similarity floor
        return (("weak_item", lambda: rules.weak_item(pick.fit, q, self.cal)),
                ("weak_support", lambda: None if by_name else rules.weak_support(w, q, self.cal, typed=True)),
                ("detached", lambda: rules.detached(pick.near, q, w, language)),
                ("points_elsewhere", lambda: self._points_elsewhere(q, pick, language)),
                ("other_role", lambda: rules.other_role(q, w, self.matcher, language)),
                ("past_for_future", lambda: rules.past_for_future(q, it.text, w.source.date)),
                ("weekday_for_future", lambda: rules.weekday_for_future(q, it.text, w, it.start, it.end)))

    def _points_elsewhere(self, q: Question, pick: Pick, language: str) -> str | None:
        art = self.store.article(pick.window.source.article)
        words = article_words(art.paragraphs) if art is not None else ()
        counted = q.counts and pick.fit >= self.cal.attach  # "32 pages" for "how many pages": about what is counted
        return rules.points_elsewhere(q, pick.near, pick.window, words, self.matcher, language, counted)

    def _widen(self, window: Window, windows: list[Window]) -> Window:
        """Windows of the same paragraph that score as well and touch the chosen one are read as one passage:
        when "Moskou en Beijing zien…" and "Ze verzetten zich…" tie, the quote holds both."""
        ties = [w for w in windows if w.key == window.key and w.score >= window.score - self.cal.tie_margin]
        start, end = window.start, window.end
        grown = True
        while grown:
            grown = False
            for w in ties:
                if w.start <= end and w.end >= start and (w.start < start or w.end > end):
                    start, end, grown = min(start, w.start), max(end, w.end), True
        if (start, end) == (window.start, window.end):
            return window
        sents = self.store.sentences([window.source])[window.key].texts
        text = " ".join(sents[start:end])
        if len(text) > self.cal.max_quote_chars + 100:
            return window
        return replace(window, start=start, end=end, text=text)

    def _overview(self, q: Question, cands: list[Source], language: str, context: FollowUp | None,
                  trail: _Trail) -> Answer:
        arts = [a for a in (self.store.article(x.id) for x in self.store.articles()) if a is not None]
        topical = topic_terms(q.terms) or q.names
        if wants_catalogue(q.text, q.terms) or (not topical and not (context and context.article) and len(arts) > 1):
            ov = catalogue(arts, language)
        else:
            target = (cands[0].article if topical or not (context and context.article) else context.article)
            art = self.store.article(target) if target else None
            if art is None:
                ov = catalogue(arts, language)
            else:
                srcs = [Source(art.id, art.title, p, t, 1.0, art.date, art.language, art.tag, art.url)
                        for p, t in enumerate(art.paragraphs, start=1)]
                ov = summarise(art, self.store.sentences(srcs), language)
        trail.steps.append(ov.rule)
        # a summary cites the paragraphs it quotes; the catalogue, one line per article with its tag, none
        return Answer(ov.text, ov.sources, True, language, trace=trail.trace("overview", ov.rule))

    def _off_topic(self, language: str, trail: _Trail, why: str) -> Answer:
        arts = self.store.articles()
        text = say("off_topic", language, topics=topics([a.title for a in arts], language))
        return Answer(text, (), False, language, trace=trail.trace("off_topic", why))

    def _refuse(self, windows: list[Window], cands: list[Source], language: str, several: bool, trail: _Trail,
                rule: str, why: str) -> Answer:
        log.debug("refusing (%s): %s", rule, why)
        text = say("not_found", language, the_article=the_article(language, several))
        sources: tuple[Source, ...] = ()
        if windows and windows[0].dense >= self.cal.related:
            w = windows[0]
            text += "\n" + say("closest", language, cite=cite(w.source), quote=trim(w.text, 300))
            sources = (w.source,)
        return Answer(text, sources, False, language, trace=trail.trace(rule, why))

    def within(self, scope: Scope) -> ExtractiveEngine:
        """This engine over the articles `scope` admits (bot/reading/scoped.py); its matchers are shared."""
        narrowed = copy.copy(self)
        narrowed.store = Scoped(cast(ScopedSource, self.store), scope)
        return narrowed

    def _speaker(self, q: Question, context: FollowUp | None, language: str, trail: _Trail) -> Answer | None:
        """"Wie zei dat?" right after a quoted answer: the one the quote reports as speaking, from that quote."""
        if context is None or not context.anaphoric or q.kind != "person" or not says(q.text):
            return None
        src = context.quoted
        quote = quoted(context.previous.answer.text) if src is not None else ""
        name = speaker_in(quote) if quote else None
        if src is None or name is None:
            return None
        trail.steps.append(f"speaker of the previous quote: {name.text!r}")
        window = Window(src, 0, 1, quote, src.score, src.score, src.score)
        return self._compose(q, window, (name.start, name.end), name.text, [window], [src], language, trail)

    def _sources(self, cited: list[Source], cands: list[Source]) -> tuple[Source, ...]:
        rest = [c for c in cands if c not in cited]
        return tuple((cited + rest)[: max(self.top_k, len(cited))])

    def _relation(self, q: Question, language: str) -> np.ndarray | None:
        """The question's vector with the names it asks about replaced by a pronoun: left that way, the relation
        asked about is not drowned by the topic. A name after a preposition ("to Beijing") stays: it is part of
        the relation. (A topic word every passage read shares, masked the same way for untyped questions, changed
        no answer of 330 in our question sets, and cost a model run: removed.)"""
        variant = masked(q, language) if q.names else None  # embedded already, with the question, by the retriever
        return self.embedder.query(variant) if variant else None

    def _may_quote_instead(self, q: Question, window: Window) -> bool:
        """Who/which questions without a name to state ("a senior EU official", "the silver medal") are answered
        by quoting a passage that speaks of what is asked; numbers, dates and places are not."""
        return q.kind in ("person", "organisation", "which", "role", "describe")

    def _several(self) -> bool:
        try:
            return len(self.store.articles()) > 1
        except Exception:
            return False


def context_pronoun(q: Question) -> bool:
    """"What did she say to GB News?" with nobody to resolve "she" to: words must still be reported."""
    return bool(PRONOUNS_PERSON.search(q.text))


def _with_referent(q: Question, context: FollowUp) -> Question:
    """A follow-up's pronoun read as the name it points at ("What did she say?" -> about Braverman)."""
    q = replace(q, given=context.given)
    pronoun = q.subject == ("he",) or not q.names and bool(PRONOUNS_PERSON.search(q.text))
    if q.subject == ("he",):
        q = replace(q, subject=())  # resolved below, or left to the rest of the question
    if not context.referent or not pronoun:
        return q
    words = tuple(fold(w) for w in context.referent.split())
    return replace(q, subject=words if q.kind in ("quote", "role", "describe") else q.subject)
