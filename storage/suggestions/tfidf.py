"""The reply index with scikit-learn: per brand, a TF-IDF of character n-grams over past complaints, searched by
cosine similarity. Rows are L2-normalised, so one sparse product gives every similarity; the matrix is kept
transposed (n-gram -> complaints, an inverted index), so a query touches only the postings of its own n-grams."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from handlers.domain.suggestions import Match, PastReply

NGRAMS = (2, 4)  # character n-grams inside word boundaries: robust to typos, plurals and hashtags


def vectorizer() -> TfidfVectorizer:
    """The TF-IDF every brand's index (and the benchmark's fair similarity) uses."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=True, sublinear_tf=True, min_df=1)


@dataclass
class _Brand:
    vectors: TfidfVectorizer
    postings: Any  # scipy sparse CSR, n-grams x past complaints (L2-normalised columns)
    replies: list[str]


class TfidfReplyIndex:
    """Past complaints by brand, in memory: built once, read by many threads."""

    def __init__(self, brands: dict[str, _Brand] | None = None) -> None:
        self._brands = brands or {}

    @classmethod
    def build(cls, replies: Iterable[PastReply]) -> TfidfReplyIndex:
        """An index of `replies`, one TF-IDF per brand."""
        grouped: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for past in replies:
            complaints, answers = grouped[past.brand]
            complaints.append(past.complaint)
            answers.append(past.reply)
        brands = {}
        for brand, (complaints, answers) in grouped.items():
            vectors = vectorizer()
            try:
                matrix = vectors.fit_transform(complaints)
            except ValueError:  # nothing to learn from (every complaint empty)
                continue
            brands[brand] = _Brand(vectors, matrix.T.tocsr(), answers)
        return cls(brands)

    def nearest(self, brand: str, text: str, k: int) -> list[Match]:
        """Up to `k` past replies of `brand` whose complaints are nearest `text`, nearest first."""
        found = self._brands.get(brand)
        if found is None or k <= 0 or not text.strip():
            return []
        scores = (found.vectors.transform([text]) @ found.postings).toarray().ravel()
        k = min(k, scores.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Match(found.replies[i], float(scores[i])) for i in top]

    def size(self, brand: str) -> int:
        """How many past replies of `brand` the index holds."""
        found = self._brands.get(brand)
        return len(found.replies) if found else 0

    def brands(self) -> list[str]:
        """The brands the index holds."""
        return sorted(self._brands)
