"""The docs cannot drift from the code: the generated parts (the configuration table, the CLI's help) are current."""
from __future__ import annotations

from pathlib import Path

from cogapp import Cog

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ["README.md", "docs/configuration.md", "docs/engine.md"]


def test_generated_docs_are_current(monkeypatch) -> None:
    """`cog --check` fails when a file's generated block differs from what the code gives now (fix: cog -r FILE)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    status = Cog().main(["cog", "--check", *GENERATED])
    assert status == 0, "the docs are out of date: run `.venv/bin/cog -r " + " ".join(GENERATED) + "`"


def test_the_readme_is_a_manual() -> None:
    """Short enough to read: the design notes and figures live in docs/, the history in CHANGELOG.md."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail to docs/"


def test_every_doc_the_readme_names_exists() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ["docs/engine.md", "docs/embedder.md", "docs/deploy.md", "docs/configuration.md",
                 "docs/benchmarks.md", "docs/knowledge-base.md", "docs/libraries.md", "CHANGELOG.md"]:
        assert f"({name})" in text and (ROOT / name).exists(), name

