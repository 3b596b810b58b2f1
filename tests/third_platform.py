"""A whole third platform for the shared flow: a formatting module and a transport (here: an in-memory chat)."""
from __future__ import annotations

import threading
from typing import Any

from adapters.flow import Question
from bot.common.models import Answer
from bot.language.phrases import phrase


class ChatFormat:
    def question(self, q: Question) -> str:
        return q.text.removeprefix("@bot").strip()

    def placeholder(self, language: str) -> str:
        return phrase("thinking", language)

    def queued(self, language: str, position: int) -> str:
        return phrase("queued", language, position=position)

    def streaming(self, partial: str) -> str:
        return partial + " …"

    def answer(self, answer: Answer) -> str:
        return answer.text + "".join(f"\n[{s.label}]" for s in answer.sources)

    def notice(self, text: str) -> str:
        return text

    def usage(self, language: str, q: Question) -> str:
        return phrase("usage", language)


class ChatTransport:
    edit_interval_s = 0.5
    first_edit_waits = False

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}  # message id -> every text it has shown
        self.lock = threading.Lock()

    def post(self, q: Question, message: Any) -> str:
        with self.lock:
            mid = f"{q.place['room']}/{len(self.messages)}"
            self.messages[mid] = [message]
        return mid

    def edit(self, q: Question, message_id: str, message: Any) -> None:
        with self.lock:
            self.messages[message_id].append(message)

    def notice(self, q: Question, message: Any, reply_id: str) -> None:
        self.edit(q, reply_id, message) if reply_id else self.post(q, message)
