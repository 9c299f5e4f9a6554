"""Reflection hygiene (心得体会文字检查): passage by passage, flag what looks assembled
rather than written. Pure (no Django imports): texts in, flags out. Flags are shown next
to their passage; nothing is ever refused because of them.

Three kinds of flag:
- ``duplicate``: a passage whose shingles (analytics.dedup.shingle_codes, over the same
  normalised text analytics uses) lie almost all inside one reference text: another
  reflection, later a library text. The analytics MinHash index compares whole
  submissions; here a copied *passage* inside an otherwise own text must be found, so the
  measure is containment of the passage in the reference, not Jaccard of two texts.
- ``advert``: a passage analytics.spam scores as advert, contact handle, link or
  boilerplate (the same rules and thresholds as for submissions).
- ``doubled``: a doubled function character (的的, 了了) or a phrase repeated at once
  (加强学习加强学习); ordinary reduplication (常常, 认认真真) is left alone.
"""

import re
from dataclasses import dataclass

import numpy as np

from xuncha.analytics.dedup import shingle_codes
from xuncha.analytics.spam import REASONS, score_passage
from xuncha.analytics.text import compact, normalize, sentences

MIN_PASSAGE = 12  # characters (letters/digits) below which a passage is too short to judge
CONTAINMENT = 0.8  # share of a passage's shingles found in one reference text
# Characters that never double in written Chinese: 的的 is a slip, 常常 is not.
_DOUBLED_CHAR = re.compile(r"([的了在和与及对把被将从为以其而并也就都之])\1")
# A phrase of two or more characters repeated at once: 加强学习加强学习, 学习学习.
_DOUBLED_PHRASE = re.compile(r"([\u4e00-\u9fff]{2,20})\1")
_ADVERT_REASONS = {"wechat", "qq", "link", "phone_advert", "advert", "boilerplate"}
KIND_LABELS = {"duplicate": "与其他材料重复", "advert": "广告或联系方式", "doubled": "重复字词"}


@dataclass(frozen=True)
class Reference:
    """A text to compare against: `key` identifies it ("reflection:12"), `label` is shown;
    `codes` its stored `fingerprint` when there is one (saves normalising it again)."""

    key: str
    label: str
    text: str
    codes: bytes | None = None


def fingerprint(text: str) -> bytes:
    """The distinct shingle codes of a text, as stored with a reflection."""
    return shingle_codes(normalize(text)).astype(np.uint64).tobytes()


@dataclass(frozen=True)
class Flag:
    """One flagged passage: offsets into the checked text, the kind and what was found."""

    start: int
    end: int
    kind: str
    message: str
    ref: str = ""

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "message": self.message,
            "ref": self.ref,
        }


class ReferenceIndex:
    """The shingles of every reference text in one array with the owner of each. A check
    keeps only the shingles its own text has (one vectorised lookup in the text's few
    hundred sorted codes, no sort of the references), then counts per reference."""

    def __init__(self, references):
        self.references = list(references)
        codes = []
        for ref in self.references:
            if ref.codes is not None:
                codes.append(np.frombuffer(ref.codes, dtype=np.uint64))
            else:
                codes.append(shingle_codes(normalize(ref.text)))
        sizes = [len(c) for c in codes]
        self.codes = np.concatenate(codes) if codes else np.zeros(0, np.uint64)
        self.owners = np.repeat(np.arange(len(codes), dtype=np.int64), sizes)

    def restrict(self, wanted: np.ndarray) -> "_Hits":
        """The (code, owner) pairs of the references whose code is among `wanted`."""
        wanted = np.unique(wanted)
        if not len(wanted) or not len(self.codes):
            return _Hits(np.zeros(0, np.uint64), np.zeros(0, np.int64), len(self.references))
        pos = np.searchsorted(wanted, self.codes)
        pos[pos == len(wanted)] = 0
        keep = wanted[pos] == self.codes
        return _Hits(self.codes[keep], self.owners[keep], len(self.references))


@dataclass(frozen=True)
class _Hits:
    codes: np.ndarray
    owners: np.ndarray
    size: int

    def best(self, codes: np.ndarray) -> tuple[int, float]:
        """(reference index, containment) of the reference holding most of `codes`."""
        if not len(codes) or not len(self.codes):
            return -1, 0.0
        mine = self.owners[np.isin(self.codes, codes)]
        if not len(mine):
            return -1, 0.0
        counts = np.bincount(mine, minlength=self.size)
        i = int(counts.argmax())
        return i, float(counts[i]) / len(codes)


def _doubled(passage: str, offset: int) -> list[Flag]:
    out = []
    for m in _DOUBLED_CHAR.finditer(passage):
        out.append(
            Flag(offset + m.start(), offset + m.end(), "doubled", f"“{m.group()}”疑似多打一字")
        )
    for m in _DOUBLED_PHRASE.finditer(passage):
        unit = m.group(1)
        if len(set(unit)) == 1:
            continue  # 哈哈哈哈 is a run of one character, not a phrase
        out.append(Flag(offset + m.start(), offset + m.end(), "doubled", f"“{unit}”连续重复出现"))
    return out


def check(text: str, references=(), *, index: ReferenceIndex | None = None) -> list[Flag]:
    """Flags of `text` (offsets into `text` as given), passage by passage.

    `references`: Reference texts to find copied passages in (the text itself must not be
    among them); or a prebuilt `index` when many texts are checked against the same set.
    """
    index = index if index is not None else ReferenceIndex(references)
    parts = [(s, normalize(s.text)) for s in sentences(text or "")]
    parts = [(s, p, shingle_codes(p) if len(compact(p)) >= MIN_PASSAGE else None) for s, p in parts]
    wanted = [c for _s, _p, c in parts if c is not None]
    hits = index.restrict(np.concatenate(wanted) if wanted else np.zeros(0, np.uint64))
    flags: list[Flag] = []
    for s, passage, codes in parts:
        if not passage:
            continue
        score, reasons = score_passage(passage)
        advert = [r for r in reasons if r in _ADVERT_REASONS]
        if score >= 3 and advert:
            message = "、".join(REASONS[r] for r in advert)
            flags.append(Flag(s.start, s.end, "advert", message))
        if codes is not None:
            i, share = hits.best(codes)
            if i >= 0 and share >= CONTAINMENT:
                ref = index.references[i]
                flags.append(
                    Flag(
                        s.start,
                        s.end,
                        "duplicate",
                        f"与“{ref.label}”重复（{round(share * 100)}%）",
                        ref.key,
                    )
                )
        # Doubled words are looked for in the passage as written: offsets stay exact.
        flags.extend(_doubled(s.text, s.start))
    return flags


def passages(text: str, flags) -> list[dict]:
    """The text cut into its sentences, each with the flags that touch it (for display)."""
    out = []
    for s in sentences(text or ""):
        mine = [f for f in flags if f["start"] < s.end and f["end"] > s.start]
        out.append({"text": s.text, "flags": mine, "kinds": sorted({f["kind"] for f in mine})})
    return out
