"""Near-duplicate submissions: keyed MinHash signatures over character shingles and an LSH
index of their bands. Pure (no Django imports): the key is passed in.

Shingles are cut from the normalised text (traditional → simplified, full → half width)
with punctuation, spaces and flagged advert passages removed and character runs folded,
so rewording, reordered sentences, typos and segmentation errors change only a few of
them. The MinHash permutations are drawn from the analytics key: a stored signature
reveals nothing about the text without the key, and two signatures are comparable only
under the same key. The hash family is multiply-shift ((a·x + b) >> 32 over 64 bits,
a odd: universal and four times faster than a prime modulus in numpy); the band layout
is datasketch's optimum for the threshold; the bands live in sorted numpy
arrays plus a small dict of recent inserts, so 100,000 signatures take tens of MB.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

import numpy as np

from xuncha.analytics.text import compact

NUM_PERM = 128
SHINGLE = 2
THRESHOLD = 0.6  # estimated Jaccard similarity at and above which a pair is proposed
LSH_THRESHOLD = 0.5  # the bands catch pairs from here; candidates are then verified
_RUNS = re.compile(r"(.)\1{2,}")


def shingle_codes(text: str, k: int = SHINGLE) -> np.ndarray:
    """The distinct k-character shingles of `text` as integers (21 bits a character)."""
    core = compact(text).lower()
    if _RUNS.search(core):
        core = _RUNS.sub(r"\1", core)
    if not core:
        return np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(cps) < k:
        cps = np.concatenate([cps, np.zeros(k - len(cps), dtype=np.uint64)])
    codes = np.zeros(len(cps) - k + 1, dtype=np.uint64)
    for i in range(k):
        codes = (codes << np.uint64(21)) | cps[i : len(cps) - k + 1 + i]
    return np.unique(codes)


@dataclass(frozen=True)
class Hasher:
    """Keyed MinHash: permutations (a, b) and a pre-mix drawn from the key."""

    a: np.ndarray
    b: np.ndarray
    mix: np.uint64

    @classmethod
    def from_key(cls, key: bytes, num_perm: int = NUM_PERM) -> "Hasher":
        seed = hmac.new(key, b"xuncha-minhash", hashlib.sha256).digest()
        rng = np.random.Generator(np.random.PCG64(int.from_bytes(seed, "big")))
        a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64) | np.uint64(1)
        b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64)
        mix = np.uint64(int.from_bytes(seed[:8], "big") | 1)
        return cls(a, b, mix)

    def signature(self, codes: np.ndarray) -> np.ndarray:
        """The MinHash signature (num_perm uint32 values) of a set of shingle codes."""
        if len(codes) == 0:
            return np.full(len(self.a), 0xFFFFFFFF, dtype=np.uint32)
        with np.errstate(over="ignore"):
            x = codes * self.mix  # keyed pre-mix of the shingle code
            x ^= x >> np.uint64(29)
            h = (x[:, None] * self.a + self.b) >> np.uint64(32)  # multiply-shift family
        return h.min(axis=0).astype(np.uint32)

    def signature_of(self, text: str) -> np.ndarray:
        return self.signature(shingle_codes(text))


def similarity(sig1: np.ndarray, sig2: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(sig1 == sig2)) / len(sig1)


# datasketch's optimum for (LSH_THRESHOLD, NUM_PERM) with false-positive / negative
# weights 0.2 / 0.8 (recall first: candidates are verified on the full signature).
# Computed once and kept here: importing datasketch pulls in scipy (~1 s), too slow for the
# first intake of a fresh worker. tests/analytics/test_pure.py checks it still matches.
BANDS, ROWS = 30, 4


def band_layout(threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) of the LSH index."""
    if (threshold, num_perm) == (LSH_THRESHOLD, NUM_PERM):
        return BANDS, ROWS
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.2, 0.8)


class BandIndex:
    """LSH over signature bands: sorted arrays for the bulk, a dict for recent inserts."""

    def __init__(self, threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM):
        self.bands, self.rows = band_layout(threshold, num_perm)
        self.keys = np.zeros((self.bands, 0), dtype=np.uint64)
        self.ids = np.zeros((self.bands, 0), dtype=np.int64)
        self.recent: dict[tuple[int, int], list[int]] = {}
        self.signatures: dict[int, np.ndarray] = {}

    def __len__(self):
        return len(self.signatures)

    def _band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """(bands, n) uint64 keys: each band's rows folded into one 64-bit value."""
        sigs = np.atleast_2d(sigs).astype(np.uint64)
        n = sigs.shape[0]
        out = np.empty((self.bands, n), dtype=np.uint64)
        prime = np.uint64(0x100000001B3)
        with np.errstate(over="ignore"):
            for band in range(self.bands):
                acc = np.full(n, np.uint64(0xCBF29CE484222325) ^ np.uint64(band), dtype=np.uint64)
                for col in range(band * self.rows, (band + 1) * self.rows):
                    acc = (acc ^ sigs[:, col]) * prime
                out[band] = acc
        return out

    def bulk_load(self, ids, sigs: np.ndarray) -> None:
        """Replace the index with these signatures (one sort per band)."""
        ids = np.asarray(ids, dtype=np.int64)
        self.signatures = dict(zip(ids.tolist(), sigs, strict=True))
        keys = self._band_keys(sigs) if len(ids) else np.zeros((self.bands, 0), np.uint64)
        order = np.argsort(keys, axis=1, kind="stable")
        self.keys = np.take_along_axis(keys, order, axis=1)
        self.ids = ids[order] if len(ids) else np.zeros((self.bands, 0), np.int64)
        self.recent = {}

    def add(self, ident: int, sig: np.ndarray) -> None:
        self.signatures[ident] = sig
        keys = self._band_keys(sig)[:, 0]
        for band, key in enumerate(keys.tolist()):
            self.recent.setdefault((band, key), []).append(ident)
        if len(self.recent) > 50_000 * self.bands:
            self.compact()

    def compact(self) -> None:
        ids = list(self.signatures)
        self.bulk_load(ids, np.array([self.signatures[i] for i in ids]))

    def candidates(self, sig: np.ndarray) -> set[int]:
        keys = self._band_keys(sig)[:, 0]
        found: set[int] = set()
        for band, key in enumerate(keys.tolist()):
            row = self.keys[band]
            lo = np.searchsorted(row, np.uint64(key), "left")
            hi = np.searchsorted(row, np.uint64(key), "right")
            if hi > lo:
                found.update(self.ids[band, lo:hi].tolist())
            found.update(self.recent.get((band, key), ()))
        return found

    def query(self, sig: np.ndarray, threshold: float = THRESHOLD, exclude=()) -> list:
        """[(id, similarity)] of indexed signatures at or above the threshold, best first."""
        out = []
        for ident in self.candidates(sig):
            if ident in exclude:
                continue
            s = similarity(sig, self.signatures[ident])
            if s >= threshold:
                out.append((ident, s))
        return sorted(out, key=lambda x: (-x[1], x[0]))


def groups(pairs) -> list[list[int]]:
    """Connected components of similar pairs (union-find), each sorted, largest first."""
    parent: dict[int, int] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for x in parent:
        comps.setdefault(find(x), []).append(x)
    return sorted((sorted(c) for c in comps.values()), key=lambda c: (-len(c), c[0]))


def differing_passages(sentences_a, sentences_b, k: int = SHINGLE) -> tuple[list, list]:
    """Indexes of the sentences of each text that have no close counterpart in the other
    (shown highlighted to staff). Sentences are lists of Sentence (text.sentences)."""

    def sets(ss):
        return [set(shingle_codes(s.text, k).tolist()) for s in ss]

    sa, sb = sets(sentences_a), sets(sentences_b)

    def unmatched(xs, ys):
        out = []
        for i, x in enumerate(xs):
            if not x:
                continue
            best = max((len(x & y) / len(x | y) for y in ys if y), default=0.0)
            if best < 0.5:
                out.append(i)
        return out

    return unmatched(sa, sb), unmatched(sb, sa)
