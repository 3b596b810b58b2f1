"""The interactive console driven by keystrokes through prompt_toolkit's own pipe input (no patching)."""
from __future__ import annotations

import io
import threading
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from adapters.console import HISTORY_FILE, render_answer, run_console
from bot.common.config import Settings
from bot.common.models import Answer, Source
from bot.core.bot import Bot
from tests.fakes import FakeEngine
from tests.waiting import wait_for

WAIT = 60  # seconds: an upper bound for a wait on a loaded machine, not a speed the test asserts

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"  # what a terminal sends around a bracketed paste
UP, ENTER, CTRL_C, CTRL_D = "\x1b[A", "\r", "\x03", "\x04"


class Session:
    """The console running in a thread on a fake-engine Bot; keys go in, the printed text comes out."""

    def __init__(self, bot: Bot, data_dir: Path) -> None:
        self.bot = bot
        self.out = io.StringIO()
        self._pipe = create_pipe_input()
        self.pipe = self._pipe.__enter__()
        settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir)})
        self.status: int | None = None

        def run() -> None:
            self.status = run_console(settings, bot=bot, stdout=self.out, pt_input=self.pipe,
                                      pt_output=DummyOutput())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    @property
    def engine(self) -> FakeEngine:
        assert isinstance(self.bot.engine, FakeEngine)
        return self.bot.engine

    def ask(self, keys: str, *, answers: int) -> None:
        """Type `keys` and wait until the engine has been asked `answers` questions in all."""
        self.pipe.send_text(keys)
        wait_for(lambda: len(self.engine.calls) >= answers and self.out.getvalue().count("Echo:") >= answers,
                 WAIT, f"{answers} answers")

    def finish(self, keys: str) -> int:
        self.pipe.send_text(keys)
        self.thread.join(WAIT)
        self._pipe.__exit__(None, None, None)
        assert not self.thread.is_alive(), "the console did not exit"
        assert self.status is not None
        return self.status


def test_history_recalls_the_exact_question_and_ctrl_c_clears_ctrl_d_leaves(fake_bot: Bot, tmp_path: Path) -> None:
    s = Session(fake_bot, tmp_path)
    s.ask("Who is Borrell?" + ENTER, answers=1)
    s.ask(UP + ENTER, answers=2)  # the coloured prompt cannot garble the recalled line
    s.ask("half a question that I regret" + CTRL_C + "What did Guterres say?" + ENTER, answers=3)
    status = s.finish(CTRL_D)
    assert status == 0
    assert s.engine.calls == ["Who is Borrell?", "Who is Borrell?", "What did Guterres say?"]
    assert s.out.getvalue().endswith("\n")  # Ctrl-D leaves the terminal on a fresh line
    history = (tmp_path / HISTORY_FILE).read_text(encoding="utf-8")
    assert "Who is Borrell?" in history and "\x1b" not in history and "regret" not in history


def test_a_multi_line_paste_is_one_question(fake_bot: Bot, tmp_path: Path) -> None:
    s = Session(fake_bot, tmp_path)
    s.ask(PASTE_START + "What did Borrell say\nabout China\r\nand Ukraine?" + PASTE_END + ENTER, answers=1)
    assert s.finish("/quit" + ENTER) == 0
    assert s.engine.calls == ["What did Borrell say about China and Ukraine?"]
    assert s.out.getvalue().count("Echo:") == 1


def test_commands_work_at_the_prompt(fake_bot: Bot, tmp_path: Path) -> None:
    s = Session(fake_bot, tmp_path)
    s.ask("Wie is Borrell?" + ENTER, answers=1)
    s.pipe.send_text("/sources" + ENTER + "/bogus" + ENTER)
    wait_for(lambda: "Unknown command /bogus" in s.out.getvalue(), WAIT, "the unknown-command line")
    assert s.finish("/quit" + ENTER) == 0
    out = s.out.getvalue()
    assert out.startswith("1 article, ")  # not "1 article(s)"
    assert "Eén van hen is EU-Buitenlandchef Josep Borrell." in out


def test_answers_wrap_at_word_boundaries_to_the_width() -> None:
    source = Source("2023-03-china-russia", "China and Russia close ranks; the EU defends multilateralism", 16,
                    "Een lange passage over Borrell en China " * 8, 0.9, "2023-03", tag="china-russia")
    text = "According to the article [china-russia ¶16]: „" + "Borrell zag in Moskou een Xi die wilde overkomen. " * 4
    words = set((text + " " + source.text + " " + source.title).split())
    out = render_answer(Answer(text, (source,), True, "en"), width=50)
    lines = out.splitlines()
    assert len(lines) > 6 and all(len(line.rstrip()) <= 50 for line in lines)
    for line in lines:  # every piece of every line is a whole word (or the label/score furniture)
        for word in line.split():
            assert word in words or word.strip("[]¶():…") or word in ("Sources:", "score"), word
    assert "[china-russia ¶16]" in out
