"""The knowledge base as one channel sees it: what the engine looks up beyond its passages (the list of articles
for an overview or a refusal, whether a name appears anywhere) limited to the articles the channel's scope admits.
The engine's decisions are its own; only what it reads is narrowed."""
from __future__ import annotations

from typing import Protocol

from bot.common.models import Article, Scope, Source
from bot.language.match import WordVectors
from bot.retrieval.retriever import ArticleText, Sentences


class ScopedSource(Protocol):
    """The store under the engine, able to answer for a scope (bot/retrieval/retriever.py's ChromaRetriever)."""

    @property
    def words(self) -> WordVectors: ...

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]: ...
    def article(self, article_id: str) -> ArticleText | None: ...
    def mentions(self, name: str, scope: Scope | None = None) -> bool: ...
    def articles(self, scope: Scope | None = None) -> list[Article]: ...


class Scoped:
    """A KnowledgeSource (bot/reading/extractive.py) whose articles() and mentions() stay inside one scope."""

    def __init__(self, store: ScopedSource, scope: Scope) -> None:
        self._store = store
        self.scope = scope

    @property
    def words(self) -> WordVectors:
        return self._store.words

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]:
        return self._store.sentences(sources)

    def article(self, article_id: str) -> ArticleText | None:
        return self._store.article(article_id)

    def mentions(self, name: str) -> bool:
        return self._store.mentions(name, self.scope)

    def articles(self) -> list[Article]:
        return self._store.articles(self.scope)
