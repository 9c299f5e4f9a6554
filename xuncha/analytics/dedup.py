"""Near-duplicate submissions: keyed MinHash signatures over character shingles and an LSH
index of their bands. Pure (no Django imports): the key is passed in.

Shingles are cut from the normalised text (traditional → simplified, full → half width)
with punctuation, spaces and flagged advert passages removed and character runs folded,
so rewording, reordered sentences, typos and segmentation errors change only a few of
them. The MinHash permutations are drawn from the analytics key: a stored signature
reveals nothing about the text without the key, and two signatures are comparable only
under the same key. The hash family is multiply-shift ((a·x + b) >> 32 over 64 bits,
a odd: universal and four times faster than a prime modulus in numpy); the band layout
is datasketch's optimum for the threshold; the band keys live in one sorted numpy
array plus a small dict of recent inserts and the signatures in one matrix, so 100,000
signatures take tens of MB, a query verifies its candidates in one vectorised comparison
and the full recomputation finds every pair in one self-join (`BandIndex.pairs`).
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
    n = len(cps) - k + 1
    codes = cps[:n]
    for i in range(1, k):
        codes = (codes << np.uint64(21)) | cps[i : n + i]
    return _sorted_distinct(codes)


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d array (sorted, distinct): one sort and a mask, several times
    faster than np.unique on a few hundred values."""
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.r_[True, values[1:] != values[:-1]]]
    return values


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
            h = np.multiply.outer(x, self.a)  # multiply-shift family: (a·x + b) >> 32
            h += self.b
            low = h.min(axis=0)  # the shift is monotone: the minimum first, shifted once
        low >>= np.uint64(32)
        return low.astype(np.uint32)

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
    """LSH over signature bands. Every band key of the bulk sits in one sorted array (the
    band id is folded into each key and kept alongside, so one `searchsorted` answers all
    bands at once); recent inserts sit in a dict. Signatures are rows of one matrix, so a
    query verifies all its candidates in one vectorised comparison."""

    def __init__(self, threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM):
        self.bands, self.rows = band_layout(threshold, num_perm)
        self.num_perm = num_perm
        self.keys = np.zeros(0, dtype=np.uint64)  # sorted band keys of the bulk
        self.key_band = np.zeros(0, dtype=np.int16)  # the band of each key
        self.key_row = np.zeros(0, dtype=np.int64)  # the matrix row of each key
        self.recent: dict[tuple[int, int], list[int]] = {}
        self.matrix = np.zeros((0, num_perm), dtype=np.uint32)  # capacity grows by doubling
        self.row_ids = np.zeros(0, dtype=np.int64)
        self.size = 0
        self.row_of: dict[int, int] = {}

    def __len__(self):
        return len(self.row_of)

    @property
    def signatures(self) -> dict[int, np.ndarray]:
        return {ident: self.matrix[row] for ident, row in self.row_of.items()}

    def _band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """(bands, n) uint64 keys: each band's rows folded into one 64-bit value (FNV-1a
        style, the band number in the offset basis)."""
        sigs = np.atleast_2d(sigs)
        n = sigs.shape[0]
        cells = sigs[:, : self.bands * self.rows].astype(np.uint64)
        cells = cells.reshape(n, self.bands, self.rows)
        prime = np.uint64(0x100000001B3)
        basis = np.uint64(0xCBF29CE484222325) ^ np.arange(self.bands, dtype=np.uint64)
        acc = np.broadcast_to(basis, (n, self.bands)).copy()
        with np.errstate(over="ignore"):
            for col in range(self.rows):
                acc ^= cells[:, :, col]
                acc *= prime
        return acc.T

    def _grow(self, extra: int) -> None:
        need = self.size + extra
        if need > len(self.matrix):
            cap = max(need, 2 * len(self.matrix), 64)
            matrix = np.zeros((cap, self.num_perm), dtype=np.uint32)
            matrix[: self.size] = self.matrix[: self.size]
            ids = np.zeros(cap, dtype=np.int64)
            ids[: self.size] = self.row_ids[: self.size]
            self.matrix, self.row_ids = matrix, ids

    def bulk_load(self, ids, sigs: np.ndarray) -> None:
        """Replace the index with these signatures (one sort of every band key)."""
        ids = np.asarray(ids, dtype=np.int64)
        n = len(ids)
        sigs = np.asarray(sigs, dtype=np.uint32).reshape(n, self.num_perm)
        self.matrix = sigs.copy()
        self.row_ids = ids.copy()
        self.size = n
        self.row_of = {ident: row for row, ident in enumerate(ids.tolist())}
        self.recent = {}
        if n == 0:
            self.keys = np.zeros(0, dtype=np.uint64)
            self.key_band = np.zeros(0, dtype=np.int16)
            self.key_row = np.zeros(0, dtype=np.int64)
            return
        keys = self._band_keys(sigs)  # (bands, n)
        flat = keys.ravel()
        order = np.argsort(flat, kind="stable")
        self.keys = flat[order]
        self.key_band = (order // n).astype(np.int16)
        self.key_row = order % n

    def add(self, ident: int, sig: np.ndarray) -> None:
        row = self.row_of.get(ident)
        if row is None:
            self._grow(1)
            row = self.size
            self.size += 1
            self.row_of[ident] = row
            self.row_ids[row] = ident
        self.matrix[row] = sig
        keys = self._band_keys(sig)[:, 0]
        for band, key in enumerate(keys.tolist()):
            self.recent.setdefault((band, key), []).append(row)
        if len(self.recent) > 50_000 * self.bands:
            self.compact()

    def compact(self) -> None:
        self.bulk_load(self.row_ids[: self.size], self.matrix[: self.size])

    def _candidate_rows(self, sig: np.ndarray) -> np.ndarray:
        keys = self._band_keys(sig)[:, 0]
        lo = np.searchsorted(self.keys, keys, "left")
        hi = np.searchsorted(self.keys, keys, "right")
        parts = []
        for band in np.flatnonzero(hi > lo).tolist():
            sl = slice(lo[band], hi[band])
            rows = self.key_row[sl]
            parts.append(rows[self.key_band[sl] == band])
        if self.recent:
            for band, key in enumerate(keys.tolist()):
                hit = self.recent.get((band, key))
                if hit:
                    parts.append(np.asarray(hit, dtype=np.int64))
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts))

    def candidates(self, sig: np.ndarray) -> set[int]:
        return set(self.row_ids[self._candidate_rows(sig)].tolist())

    def query(self, sig: np.ndarray, threshold: float = THRESHOLD, exclude=()) -> list:
        """[(id, similarity)] of indexed signatures at or above the threshold, best first."""
        rows = self._candidate_rows(sig)
        if not len(rows):
            return []
        counts = np.count_nonzero(self.matrix[rows] == np.asarray(sig, np.uint32), axis=1)
        sims = counts / self.num_perm
        keep = sims >= threshold
        out = [
            (ident, s)
            for ident, s in zip(self.row_ids[rows[keep]].tolist(), sims[keep].tolist(), strict=True)
            if ident not in exclude
        ]
        return sorted(out, key=lambda x: (-x[1], x[0]))

    def pairs(self, threshold: float = THRESHOLD, chunk: int = 1 << 18) -> dict:
        """Every pair of indexed signatures in a common band at or above the threshold,
        as {(smaller id, larger id): similarity}: the same pairs as a `query` of every
        signature, found band by band (runs of equal keys) and verified in chunks."""
        found: dict[tuple[int, int], float] = {}
        n = self.size
        if n < 2 or self.recent:
            if self.recent:
                self.compact()
                n = self.size
            if n < 2:
                return found
        ids = self.row_ids[:n]
        matrix = self.matrix[:n]
        need = threshold * self.num_perm
        seen = set()
        for band in range(self.bands):
            sel = self.key_band == band
            keys, rows = self.keys[sel], self.key_row[sel]
            a, b = _run_pairs(keys, rows)
            for start in range(0, len(a), chunk):
                ca, cb = a[start : start + chunk], b[start : start + chunk]
                counts = np.count_nonzero(matrix[ca] == matrix[cb], axis=1)
                hit = counts >= need - 1e-9
                ca, cb, counts = ca[hit], cb[hit], counts[hit]
                ia, ib = ids[ca], ids[cb]
                lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
                for x, y, c in zip(lo.tolist(), hi.tolist(), counts.tolist(), strict=True):
                    if (x, y) not in seen:
                        s = c / self.num_perm
                        if s >= threshold:
                            seen.add((x, y))
                            found[(x, y)] = s
        return found


def _run_pairs(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of `rows` whose (sorted) `keys` are equal, as two row arrays."""
    n = len(keys)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lengths = np.diff(np.r_[starts, n])
    end = np.repeat(starts + lengths, lengths)  # end of each position's run
    active = np.flatnonzero(end - np.arange(n) >= 2)
    out_a, out_b = [], []
    d = 1
    while len(active):
        out_a.append(rows[active])
        out_b.append(rows[active + d])
        d += 1
        active = active[end[active] > active + d]
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


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
