"""The pure text core: normalisation, sentences, segmentation and stop words of Chinese text.

No Django imports: every function takes text and returns data, so the steps are tested in
milliseconds and reused by spam detection, duplicates, entities, categories and search.
Segmentation uses rjieba (the jieba-rs binding: about 11M characters/s here against
jieba's 0.5M, with the same dictionary and `add_word` for the office's own vocabulary).
Traditional → simplified uses OpenCC's tables (opencc-purepy), but only on texts that
contain a traditional character: the pure-Python converter is the slowest step otherwise.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rjieba

DATA = Path(__file__).parent / "data"

# Invisible format characters that carry no meaning but break matching and hashing:
# BOM/zero-width no-break space, zero-width space/joiners, word joiner, soft hyphen,
# bidi marks and embeddings/isolates, variation selectors, interlinear annotation marks.
_INVISIBLE = dict.fromkeys(
    [
        *(0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0x00AD, 0x200E, 0x200F, 0x061C, 0x180E),
        *range(0x202A, 0x202F),
        *range(0x2061, 0x206A),
        *range(0xFE00, 0xFE10),
        *range(0xFFF9, 0xFFFC),
        *(0xFFFE, 0xFFFF),
    ]
)
# Control characters (keep tab and line breaks) and lone surrogates (invalid in UTF-8).
_INVALID_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACE_RE = re.compile(r"[ \t\u3000\xa0\u2000-\u200a\u202f\u205f]+")
SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")  # one passage (see `sentences`)
# Punctuation variants folded to one form each (after NFKC): quotes, dashes, dots.
_PUNCT_CHARS = {
    "「": "“",
    "」": "”",
    "『": "“",
    "』": "”",
    "〝": "“",
    "〞": "”",
    "‘": "“",
    "’": "”",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00b7": "·",
    "\u30fb": "·",
    "\uff61": "。",
    "\u2026": "...",
    "\ufe52": ".",
}
_PUNCT = str.maketrans(_PUNCT_CHARS)


_STRIP_RE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(_INVISIBLE)) + "]|" + _INVALID_RE.pattern
)
_PUNCT_RE = re.compile("[" + "".join(re.escape(c) for c in _PUNCT_CHARS) + "]")
# Line separators other than \n (all become \n), and a break with the spaces around it.
_LINE_RE = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BREAKS_RE = re.compile(r" ?\n[\n ]*")


def strip_invisible(text: str) -> str:
    """Remove invisible format characters (BOM, zero-width, soft hyphen, bidi marks)."""
    return text.translate(_INVISIBLE)


@lru_cache(maxsize=1)
def _t2s():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Traditional-only characters: those OpenCC's TSCharacters table changes that are
    not also ordinary simplified characters. 么, 著, 结, 乾 … are changed by some t2s
    entries but are everyday simplified characters (什么, 显著, 结果): they must not send a
    simplified text through the converter, which is slow and would even turn 显著 into
    显着. A text converts only when it holds one of these characters."""
    changed, simplified = set(), set()
    for line in (_opencc_dicts() / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        targets = values.split()
        simplified.update(targets)
        if len(key) == 1 and targets and targets[0] != key:
            changed.add(key)
    # Simplified forms: the outputs of the t2s phrases (显著, 结束 …) and the inputs of s2t.
    for name, side in (("TSPhrases.txt", 2), ("STCharacters.txt", 0), ("STPhrases.txt", 0)):
        for line in (_opencc_dicts() / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                simplified.update(line.partition("\t")[side].replace(" ", ""))
    return frozenset(changed - simplified)


def _opencc_dicts() -> Path:
    import opencc_purepy

    return Path(opencc_purepy.__file__).parent / "dicts"


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC's t2s tables), only for a text holding a
    traditional-only character; simplified text (with 么, 著, 结 …) is returned as is."""
    if _traditional_chars().isdisjoint(text):
        return text
    return _t2s().convert(text)


def _strip(text: str) -> str:
    # One C-speed scan first: most texts have nothing to remove.
    return _STRIP_RE.sub("", text) if _STRIP_RE.search(text) else text


# CJK ideographs are NFKC-stable starters that never compose with a neighbour, so
# normalising only the runs between them equals normalising the whole text (and is
# several times faster: CPython's NFKC is slow on long CJK runs).
_NOT_IDEOGRAPH_RE = re.compile(r"[^\u4e00-\u9fff]+")


def _nfkc_run(match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    return _NOT_IDEOGRAPH_RE.sub(_nfkc_run, text)


def _one_pass(text: str) -> tuple[str, bool]:
    text = _nfkc(_strip(text))
    simplified = to_simplified(text)
    converted = simplified != text
    text = simplified
    if _PUNCT_RE.search(text):
        text = text.translate(_PUNCT)
    if converted:
        text = _strip(_nfkc(text))
    if _LINE_RE.search(text):
        text = _LINE_RE.sub("\n", text)
    if _SPACE_RE.search(text):
        text = _SPACE_RE.sub(" ", text)
    if "\n" in text:
        text = _BREAKS_RE.sub("\n", text)
    return text.strip(" \n"), converted


def normalize(text: str) -> str:
    """One canonical form: NFKC (full-width → half-width), simplified, punctuation
    variants folded, no invisible or invalid characters, runs of spaces folded to one,
    lines trimmed, empty lines dropped. Idempotent (a second pass changes nothing)."""
    text, converted = _one_pass(text or "")
    for _ in range(3):  # t2s output may need NFKC again: converge to the fixed point
        if not converted:
            break
        again, converted = _one_pass(text)
        converted = converted or again != text
        text = again
    return text


@dataclass(frozen=True)
class Sentence:
    """A passage of the (normalised) text with its offsets, so results can point at it."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Split normalised text into sentences at Chinese and Western end punctuation and
    line breaks, keeping offsets into the text (text[start:end] == sentence.text)."""
    return [Sentence(m.start(), m.end(), m.group()) for m in SENTENCE_RE.finditer(text)]


def segment(text: str) -> list[str]:
    """Words of the text (accurate mode, HMM on); every character is kept."""
    return rjieba.cut(text, True)


def segment_for_search(text: str) -> list[str]:
    """Search-mode words: long words are also cut into their shorter dictionary words."""
    return rjieba.cut_for_search(text, True)


_ADDED: set[str] = set()


def add_words(words) -> int:
    """Teach the segmenter the office's vocabulary (unit names, posts, taxonomy terms).
    Returns how many words were new; a word already taught is skipped."""
    n = 0
    for word in words:
        word = (word or "").strip()
        if word and not any(c.isspace() for c in word) and word not in _ADDED:
            rjieba.add_word(word, None, None)
            _ADDED.add(word)
            n += 1
    return n


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The shipped stop-word list (data/stopwords.txt): function words of complaints."""
    lines = (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


_WORD_CHAR = re.compile(r"\w")
_NON_WORD = re.compile(r"[\W_]+")


def content_words(text: str) -> list[str]:
    """Segmented words without stop words, punctuation and single non-word symbols."""
    stops = stop_words()
    return [w for w in segment(text) if w not in stops and _WORD_CHAR.search(w)]


def compact(text: str) -> str:
    """Only letters and digits (no spaces or punctuation): the form shingles are cut from."""
    return _NON_WORD.sub("", text)
