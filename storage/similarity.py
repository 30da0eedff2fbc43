"""Near-duplicate keys of a complaint's words: a MinHash signature (datasketch) cut into bands, locality-sensitive
hashing's way. Two texts share a band's key with a probability that rises steeply with how alike their word sets are
(Jaccard similarity): about 1 - (1 - s^3)^10, so 99.6% at s = 0.8, 97% at s = 0.67, 24% at s = 0.3 and 3% at
s = 0.15 (what two different complaints about one airline share). A surge needs many posts on one key at once.

The permutations come from a fixed seed and the words are hashed with SHA-1, so every process gives the same keys."""

from __future__ import annotations

import hashlib
import re

from datasketch import MinHash

BANDS = 10
ROWS = 3  # values per band: 30 permutations in all
SEED = 20261207
SCHEME = "affine32"  # datasketch 2's scheme, named: keys kept in the database must not change with a default
MIN_WORDS = 3  # "help!" from two customers says nothing about an incident
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NOISE = re.compile(r"(?:https?://\S+|@[\w.@-]+)")  # links and mentions differ between near-duplicates
# Words too common to tell complaints apart.
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "for", "from", "has", "have", "i", "i'm",
    "im", "in", "is", "it", "it's", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "that", "the",
    "their", "this", "to", "was", "we", "were", "what", "when", "why", "will", "with", "you", "your",
))  # fmt: skip


class MinHashFingerprints:
    """A text's near-duplicate keys: one per band of its MinHash signature over its distinct words."""

    def __init__(self) -> None:
        self._permutations = MinHash(num_perm=BANDS * ROWS, seed=SEED, scheme=SCHEME).permutations  # the costly part

    def words(self, text: str) -> set[str]:
        """The words compared: lower case, without links, mentions and common words."""
        said = _NOISE.sub(" ", text.lower())
        return {w for w in _WORD.findall(said) if w not in STOPWORDS}

    def keys(self, text: str) -> tuple[str, ...]:
        """One key per band ("3.9f2c41d07a"); none for a text of fewer than MIN_WORDS words."""
        words = self.words(text)
        if len(words) < MIN_WORDS:
            return ()
        signature = MinHash(num_perm=BANDS * ROWS, seed=SEED, permutations=self._permutations, scheme=SCHEME)
        signature.update_batch([w.encode() for w in sorted(words)])
        values = signature.hashvalues
        return tuple(
            f"{band}.{hashlib.blake2b(values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=5).hexdigest()}"
            for band in range(BANDS)
        )
