"""Near-duplicate keys of a complaint's words: a MinHash signature (datasketch) cut into bands, locality-sensitive
hashing's way. Two texts share a band's key with a probability that rises steeply with how alike their word sets are
(Jaccard similarity): about 1 - (1 - s^3)^10, so 99.6% at s = 0.8, 97% at s = 0.67, 24% at s = 0.3 and 3% at
s = 0.15 (what two different complaints about one airline share). A surge needs many posts on one key at once.

The permutations come from a fixed seed and the words are hashed with SHA-1, so every process gives the same keys."""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix  # type: ignore[import-untyped]  # the scheme's pre-mix, for a whole batch

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
        self._word_hashes: dict[str, int] = {}  # a language's words repeat: each is hashed (SHA-1) once

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
        return _bands(signature.hashvalues)

    def keys_many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Each text's keys, as `keys` gives them, the signatures of the whole batch computed in one array."""
        word_sets = [self.words(text) for text in texts]
        judged = [n for n, words in enumerate(word_sets) if len(words) >= MIN_WORDS]
        out: list[tuple[str, ...]] = [() for _ in texts]
        if not judged:
            return out
        hashes = [self._hash(word) for n in judged for word in word_sets[n]]
        starts = np.cumsum([0] + [len(word_sets[n]) for n in judged[:-1]])
        a, b = self._permutations
        mixed = _fmix(np.array(hashes, dtype=np.uint32).reshape(-1, 1), 32)
        signatures = np.minimum.reduceat(mixed * a + b, starts, axis=0)  # each text's minimum per permutation
        for n, values in zip(judged, signatures, strict=True):
            out[n] = _bands(values)
        return out

    def _hash(self, word: str) -> int:
        """datasketch's default hash of a word (the first four bytes of its SHA-1), remembered."""
        found = self._word_hashes.get(word)
        if found is None:
            if len(self._word_hashes) >= _WORDS_REMEMBERED:
                self._word_hashes.clear()
            found = self._word_hashes[word] = struct.unpack("<I", hashlib.sha1(word.encode()).digest()[:4])[0]  # noqa: S324 - not security
        return found


_WORDS_REMEMBERED = 200_000  # a vocabulary's worth; past it the memory starts afresh


def _bands(values: np.ndarray) -> tuple[str, ...]:
    """The signature cut into BANDS keys (its bytes read once and sliced: the same bytes as each band's own)."""
    raw, width = values.tobytes(), values.itemsize * ROWS
    return tuple(
        f"{band}.{hashlib.blake2b(raw[band * width : (band + 1) * width], digest_size=5).hexdigest()}"
        for band in range(BANDS)
    )
