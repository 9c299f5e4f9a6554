"""Standard wording (巡察话语体系): offer the standard phrasing of a problem from a phrase
library grouped by taxonomy code, built from the office's own approved problems plus the
shipped seed list (data/phrases.txt). Pure (no Django imports).
"""

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from xuncha.analytics.text import DATA, compact, normalize


@dataclass(frozen=True)
class Phrase:
    code: str  # level-2 taxonomy code ("" when unknown)
    text: str
    source: str  # "seed" or "office"


@lru_cache(maxsize=1)
def seed_phrases() -> tuple[Phrase, ...]:
    out = []
    for line in (DATA / "phrases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, _, text = line.partition("\t")
            out.append(Phrase(code.strip(), text.strip(), "seed"))
    return tuple(out)


def _bigrams(text: str) -> Counter:
    core = compact(normalize(text)).lower()
    return Counter(core[i : i + 2] for i in range(len(core) - 1)) or Counter(core)


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


class PhraseLibrary:
    def __init__(self, phrases):
        seen, self.phrases = set(), []
        for p in phrases:
            key = compact(normalize(p.text))
            if key and key not in seen:
                seen.add(key)
                self.phrases.append(p)
        self.grams = [_bigrams(p.text) for p in self.phrases]

    def suggest(self, draft: str, code: str = "", k: int = 5) -> list[tuple[Phrase, float]]:
        """Phrases closest to the draft; the same code ranks first, the same level 1 next.
        Without a draft, the phrases of the code (office ones first)."""
        g = _bigrams(draft) if draft and compact(draft) else Counter()
        scored = []
        for p, pg in zip(self.phrases, self.grams, strict=True):
            s = _cosine(g, pg) if g else 0.0
            if code and p.code == code:
                s += 0.3
            elif code and p.code[:1] == code[:1]:
                s += 0.1
            if p.source == "office":
                s += 0.05
            if s > 0.15 and compact(p.text) != compact(draft or ""):
                scored.append((p, round(s, 3)))
        scored.sort(key=lambda x: -x[1])
        return scored[:k]
