"""The bot as the training scripts ask it: built on a data dir of indexed articles, retrieving as it does when
answering, so what is calibrated is what runs."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.common.config import Settings
from bot.common.models import Source
from bot.core.bot import Bot
from bot.wiring import build_bot


@contextmanager
def bot_on(data_dir: Path, engine: str | None = None) -> Iterator[Bot]:
    """The bot on `data_dir`'s articles alone (no bundled sample article), closed after use."""
    os.environ.update(BRIEFBOT_DATA_DIR=str(data_dir), BRIEFBOT_SAMPLE_ARTICLE="false")
    if engine:
        os.environ["BRIEFBOT_ENGINE"] = engine
    bot = build_bot(Settings.from_env())
    try:
        yield bot
    finally:
        bot.close()


def retrieve(bot: Bot, question: str) -> tuple[str, str, list[Source]]:
    """The question as the bot cleans it, its language, and the passages the bot would answer from."""
    cleaned, language = bot.check(question)
    return cleaned, language, bot.retriever.retrieve(cleaned, bot.candidates, language=language)
