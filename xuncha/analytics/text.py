"""The pure text core: normalisation, sentences and segmentation of Chinese text.

No Django imports: every function takes text and returns data, so the steps are tested in
milliseconds and reused by spam detection, duplicates, topics, entities and search.
Segmentation uses rjieba (jieba-rs binding: about 20× the throughput of jieba here, with
the same dictionary and `add_word` for the office's own vocabulary).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import rjieba

# Invisible format characters that carry no meaning but break matching and hashing:
# BOM/zero-width no-break space, zero-width space/joiners, word joiner, soft hyphen,
# bidi marks and embeddings/isolates.
_INVISIBLE = dict.fromkeys(
    [
        *(0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0x00AD, 0x200E, 0x200F, 0x061C),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_SPACE_RE = re.compile(r"[ \t\u3000\xa0]+")
_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


def strip_invisible(text: str) -> str:
    """Remove invisible format characters (BOM, zero-width, soft hyphen, bidi marks)."""
    return text.translate(_INVISIBLE)


@lru_cache(maxsize=1)
def _t2s():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC's t2s tables)."""
    return _t2s().convert(text)


def normalize(text: str) -> str:
    """One canonical form: NFKC (full-width → half-width), simplified, no invisible
    characters, runs of spaces folded to one, lines trimmed. Idempotent."""
    text = unicodedata.normalize("NFKC", strip_invisible(text or ""))
    text = to_simplified(text)
    text = unicodedata.normalize("NFKC", text)
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Sentence:
    """A passage of the (normalised) text with its offsets, so results can point at it."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Split normalised text into sentences at Chinese and Western end punctuation and
    line breaks, keeping offsets into the text."""
    return [Sentence(m.start(), m.end(), m.group()) for m in _SENTENCE_RE.finditer(text)]


def segment(text: str) -> list[str]:
    """Words of the text (accurate mode, HMM on); every character is kept."""
    return rjieba.cut(text, True)


def segment_for_search(text: str) -> list[str]:
    """Search-mode words: long words are also cut into their shorter dictionary words."""
    return rjieba.cut_for_search(text, True)


def add_words(words) -> None:
    """Teach the segmenter the office's vocabulary (unit names, posts, taxonomy terms)."""
    for word in words:
        if word and not word.isspace():
            rjieba.add_word(word, None, None)
