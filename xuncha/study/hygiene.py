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
    """A text to compare against: `key` identifies it ("reflection:12"), `label` is shown."""

    key: str
    label: str
    text: str


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
    """The shingles of every reference text in one sorted array, so a passage is looked
    up with one `searchsorted` whatever the number of references."""

    def __init__(self, references):
        self.references = list(references)
        codes, owners = [], []
        for i, ref in enumerate(self.references):
            c = shingle_codes(normalize(ref.text))
            codes.append(c)
            owners.append(np.full(len(c), i, dtype=np.int64))
        if codes:
            flat = np.concatenate(codes)
            who = np.concatenate(owners)
        else:
            flat, who = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        order = np.argsort(flat, kind="stable")
        self.codes, self.owners = flat[order], who[order]

    def best(self, codes: np.ndarray) -> tuple[int, float]:
        """(reference index, containment) of the reference holding most of `codes`."""
        if not len(codes) or not len(self.codes):
            return -1, 0.0
        lo = np.searchsorted(self.codes, codes, "left")
        hi = np.searchsorted(self.codes, codes, "right")
        hit = hi > lo
        if not hit.any():
            return -1, 0.0
        owners = np.concatenate([self.owners[a:b] for a, b in zip(lo[hit], hi[hit], strict=True)])
        counts = np.bincount(owners, minlength=len(self.references))
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
    flags: list[Flag] = []
    for s in sentences(text or ""):
        passage = normalize(s.text)
        if not passage:
            continue
        score, reasons = score_passage(passage)
        advert = [r for r in reasons if r in _ADVERT_REASONS]
        if score >= 3 and advert:
            message = "、".join(REASONS[r] for r in advert)
            flags.append(Flag(s.start, s.end, "advert", message))
        if len(compact(passage)) >= MIN_PASSAGE:
            i, share = index.best(shingle_codes(passage))
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
