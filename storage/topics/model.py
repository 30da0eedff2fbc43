"""The learned topic model with scikit-learn: TF-IDF of word uni- and bigrams and character n-grams, then a
logistic regression whose probabilities say how sure it is. Trained only when there is enough to learn from (at least
MIN_EXAMPLES labelled complaints, MIN_PER_TOPIC of each topic it learns, two topics or more)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from storage.topics.live import MIN_EXAMPLES

MIN_PER_TOPIC = 5


class LearnedTopics:
    """A trained classifier: complaint text in, likeliest topic and its probability out. Read by many threads."""

    def __init__(self, pipeline: Any, topics: Sequence[str]) -> None:
        self._pipeline = pipeline
        self.topics = list(topics)

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> LearnedTopics | None:
        """A model of `texts` and their topics; None when there is too little to learn from."""
        counts = Counter(labels)
        keep = {topic for topic, n in counts.items() if n >= MIN_PER_TOPIC}
        pairs = [(text, topic) for text, topic in zip(texts, labels, strict=True) if topic in keep and text.strip()]
        if len(pairs) < MIN_EXAMPLES or len(keep) < 2:
            return None
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
            ]
        )
        model = LogisticRegression(max_iter=300, C=4.0, class_weight="balanced")
        pipeline = Pipeline([("features", features), ("model", model)])
        pipeline.fit([text for text, _ in pairs], [topic for _, topic in pairs])
        return cls(pipeline, [str(t) for t in pipeline.classes_])

    def guess(self, text: str) -> tuple[str, float] | None:
        """The likeliest topic of `text` and its probability."""
        if not text.strip():
            return None
        probabilities = self._pipeline.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return self.topics[best], float(probabilities[best])

    def guess_many(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The likeliest topic of each text and its probability, in one pass."""
        rows = self._pipeline.predict_proba(list(texts))
        return [(self.topics[int(row.argmax())], float(row.max())) for row in rows]
