"""The pure text core: normalisation, sentences, segmentation, stop words; bad input."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.analytics import categories, dedup, entities, evaluate, spam, text

MIXED = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            list("國家機關幹部乾淨發財 　\n\t,，。！「」ＡＢ１2\u200b\u0301é㐀😀\ufeff")
        ),
    )
)


@settings(max_examples=400, deadline=None)
@given(MIXED)
def test_normalize_is_idempotent(value):
    once = text.normalize(value)
    assert text.normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_segmentation_never_loses_characters(value):
    normal = text.normalize(value)
    assert "".join(text.segment(normal)) == normal


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_sentences_point_at_their_passage(value):
    normal = text.normalize(value)
    for s in text.sentences(normal):
        assert normal[s.start : s.end] == s.text


def test_normalize_folds_width_script_space_and_invisibles():
    raw = "\ufeff國家機關幹部　　收受ＡＢＣ公司１２３万元\u200b，\r\n\n  「红包」 "
    assert text.normalize(raw) == "国家机关干部 收受ABC公司123万元,\n“红包”"


@pytest.mark.parametrize(
    "simplified",
    ["什么时候整改显著结果", "党员干部显著提高", "这么多年结余资金", "著名企业乾隆年间"],
)
def test_ordinary_simplified_text_with_ambiguous_characters_is_unchanged(simplified):
    # 么, 著, 结, 乾 are changed by some t2s entries but are ordinary simplified characters:
    # the text is not sent through the converter (which would turn 显著 into 显着).
    assert text.to_simplified(simplified) == simplified
    assert text.normalize(simplified) == simplified


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("黨費收繳不規範", "党费收缴不规范"),
        ("這個問題為什麼", "这个问题为什么"),
        ("後來發現", "后来发现"),
    ],
)
def test_genuinely_traditional_text_is_converted(traditional, simplified):
    assert text.normalize(traditional) == simplified


def test_user_dictionary_keeps_office_words_whole():
    text.add_words(["三会一课", "青石镇柳溪村"])
    words = text.segment("青石镇柳溪村三会一课制度落实不到位")
    assert "青石镇柳溪村" in words and "三会一课" in words


def test_stop_words_shipped_and_removed():
    assert "的" in text.stop_words()
    assert "的" not in text.content_words("局长的亲属承包了工程")


BAD_INPUTS = [
    "",
    " \n\t ",
    "好" * 100_000,
    "局长违规发放津补贴。" * 100_000,  # 1 MB
    "Mixed 中文 текст عربى 日本語カタカナ 한국어 ∑∫ 123",
    "😀🎉🔥" * 1000,
    "\ud800\udfff\x00\x07\ufffe\uffff坏字符",
    "\u0301" * 5000,
]


@pytest.mark.parametrize("raw", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_handled_by_every_step(raw):
    tax = evaluate.taxonomy_2024()
    model = categories.CategoryModel(tax)
    hasher = dedup.Hasher.from_key(b"k" * 32)
    matcher = entities.UnitMatcher([(1, "江州市交通运输局")])
    normal = text.normalize(raw)
    normal.encode("utf-8")  # no lone surrogates survive
    text.segment(normal)
    spam.detect(normal)
    hasher.signature_of(normal)
    entities.extract(normal, matcher)
    model.suggest(normal[:2000])


def _seconds(fn, value):
    started = time.perf_counter()
    fn(value)
    return time.perf_counter() - started


@pytest.mark.parametrize("unit", ["好", "局长违规发放津补贴。", "加微信abc123 "])
def test_no_worse_than_linear(unit):
    """Ten times the input takes at most ~20 times as long (linear with slack)."""

    def pipeline(raw):
        normal = text.normalize(raw)
        spam.detect(normal)
        entities.extract(normal)
        dedup.shingle_codes(normal)

    small, large = unit * 5_000, unit * 50_000
    pipeline(small)
    # The best of a few runs: on a loaded machine one run can be descheduled for seconds.
    t_small = max(min(_seconds(pipeline, small) for _ in range(3)), 0.005)
    assert min(_seconds(pipeline, large) for _ in range(2)) < 20 * t_small + 0.5
