"""The benchmarks' generated corpus reads as a twcs file does, the same from the same seed, with real-file shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import corpus
from bot.sources.twcs import Unreadable, read_twcs
from handlers.domain.complaint import IncomingComplaint


def test_generated_corpus_has_the_twcs_shape(tmp_path: Path) -> None:
    made = corpus.generate(tmp_path / "a.csv", rows=1_000)
    items = list(read_twcs(made))
    assert len(items) == 1_000 and not [i for i in items if isinstance(i, Unreadable)]
    posts = [i for i in items if isinstance(i, IncomingComplaint)]
    customers = [p for p in posts if not p.from_brand]
    answers = [p for p in posts if p.from_brand]
    assert customers and answers  # brands answer in public, as in the real file
    assert sum(1 for p in customers if p.in_reply_to_id) > 100  # customers write again in the thread
    by_author: dict[str, int] = {}
    for p in customers:
        by_author[p.author_id] = by_author.get(p.author_id, 0) + 1
    assert sum(1 for n in by_author.values() if n > 1) > len(by_author) // 5
    assert len({p.text.split()[0] for p in customers}) > 10  # many brands, not one
    assert any("&" in p.text for p in customers)  # entities arrive unescaped once read
    assert made.read_text(encoding="utf-8").count(".0\n") > 100  # reply ids written as floats, as twcs does


def test_same_seed_same_file(tmp_path: Path) -> None:
    first = corpus.generate(tmp_path / "a.csv", rows=300).read_bytes()
    assert first == corpus.generate(tmp_path / "b.csv", rows=300).read_bytes()
    assert first != corpus.generate(tmp_path / "c.csv", rows=300, seed=8).read_bytes()


def test_a_missing_twcs_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="is not a file"):
        corpus.use(tmp_path / "nowhere.csv")
