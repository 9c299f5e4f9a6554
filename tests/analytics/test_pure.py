"""Spam passages, duplicates, entities, categories and wording: the pure modules."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.analytics import categories, dedup, entities, evaluate, spam, wording
from xuncha.analytics.text import normalize

COMPLAINT = "江州市交通运输局局长张某某在公路养护工程招标中收受承包商红包两万元。他还长期公车私用。"


@pytest.mark.parametrize(
    "advert",
    [
        "加微信abc12345，低息贷款当天放款",
        "代开各类发票，联系电话13912345678",
        "QQ 123456789 专业办证刻章",
    ],
)
def test_advert_line_in_a_complaint_is_marked_as_a_passage(advert):
    normal = normalize(COMPLAINT + "\n" + advert)
    result = spam.detect(normal)
    assert len(result.passages) == 1
    p = result.passages[0]
    assert normal[p.start : p.end] == normalize(advert)
    assert not result.whole  # the complaint stays a complaint
    assert spam.strip_passages(normal, result.spans()).strip() == normalize(COMPLAINT)


def test_acting_director_approving_loans_is_not_spam():
    assert not spam.detect(
        normalize("代理局长王某某违规审批发放贷款200万元给其亲属的公司。")
    ).flagged


OFFICIAL = [line for block in evaluate.STATEMENTS.values() for line in block.splitlines() if line]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*OFFICIAL, "党费收缴不规范"]), st.sampled_from(["", "。", "，请核实。"]))
def test_official_problem_wording_is_never_spam(statement, tail):
    assert not spam.detect(normalize(statement + tail)).flagged


def test_reporter_leaving_a_phone_is_not_an_advert():
    assert not spam.detect(normalize("我的电话是13912345678，请与我联系核实。")).flagged


def test_noise_and_whole_adverts():
    assert spam.detect("哈哈哈哈哈哈哈哈哈").whole
    result = spam.detect(normalize("优惠活动详情咨询400-123-4567，欢迎来电"))
    assert result.whole and "phone_advert" in result.reasons


def test_spam_precision_on_the_generated_set():
    figures = evaluate.evaluate_spam()
    assert figures["precision"] >= 0.95
    assert figures["recall"] >= 0.8


def test_duplicates_found_above_the_thresholds():
    figures = evaluate.evaluate_duplicates()
    assert figures["precision"] >= 0.95
    assert figures["recall"] >= 0.90


def test_signatures_depend_on_the_key_and_survive_rewording():
    a = normalize(COMPLAINT)
    b = normalize(
        "他还一直公車私用。交通运输局局长张某某在公路养护工程招標中收了承包商红包两万元。"
    )
    k1, k2 = dedup.Hasher.from_key(b"1" * 32), dedup.Hasher.from_key(b"2" * 32)
    assert dedup.similarity(k1.signature_of(a), k1.signature_of(b)) >= dedup.THRESHOLD
    assert (k1.signature_of(a) != k2.signature_of(a)).any()


def test_index_incremental_matches_bulk():
    h = dedup.Hasher.from_key(b"k" * 32)
    texts = ["".join(evaluate.complaint(__import__("random").Random(i))) for i in range(50)]
    sigs = [h.signature_of(normalize(t)) for t in texts]
    bulk, incremental = dedup.BandIndex(), dedup.BandIndex()
    import numpy as np

    bulk.bulk_load(list(range(50)), np.stack(sigs))
    for i, s in enumerate(sigs):
        incremental.add(i, s)
    for s in sigs[:10]:
        assert bulk.query(s) == incremental.query(s)


def test_groups_are_connected_components():
    assert dedup.groups([(3, 1), (1, 2), (7, 8)]) == [[1, 2, 3], [7, 8]]


def test_entities():
    matcher = entities.UnitMatcher([(1, "江州市交通运输局"), (2, "临川县青石镇柳溪村")])
    found = entities.extract(
        normalize("江州市交通局局长张某某2023年3月收受两万元，柳溪村村支书李某截留1.5万元"), matcher
    )
    kinds = {(e.kind, e.text) for e in found}
    assert ("unit", "江州市交通局") in kinds
    assert ("person", "局长张某某") in kinds
    assert ("person", "村支书李某") in kinds
    assert {e.value for e in found if e.kind == "money"} == {20000.0, 15000.0}
    assert any(e.kind == "date" and e.value == (2023, 3, None) for e in found)
    assert matcher.suggest("青石镇柳溪村的事", "")[0] == 2
    assert entities.cn_number("十二万五千") == 125000


def test_category_macro_f1_on_held_out_statements():
    figures = evaluate.evaluate_categories()
    assert figures["model"]["macro_f1"] >= 0.85
    assert figures["baseline"]["macro_f1"] < figures["model"]["macro_f1"]
    assert set(figures["model"]["confusion"]) == {"A", "B", "C", "D"}


def test_category_suggestion_explains_itself():
    model = categories.CategoryModel(evaluate.taxonomy_2024())
    s = model.suggest("党费收缴不规范")
    assert s.code == "C4" and s.l1 == "C"
    assert "党费收缴" in s.words or "党费" in s.words
    assert 0 < s.confidence <= 1


def test_confirmed_examples_teach_the_model():
    tax = evaluate.taxonomy_2024()
    text = "食堂采购鸡蛋以次充好"
    taught = categories.CategoryModel(tax, examples=[(text, "B9")] * 3)
    assert taught.suggest(text).code == "B9"


def test_wording_offers_standard_phrases_of_the_code():
    lib = wording.PhraseLibrary(list(wording.seed_phrases()))
    items = lib.suggest("党费没有按时交", "C4")
    assert items and items[0][0].code == "C4"


def test_band_layout_is_datasketchs_optimum():
    from datasketch.lsh import _optimal_param

    assert (dedup.BANDS, dedup.ROWS) == _optimal_param(
        dedup.LSH_THRESHOLD, dedup.NUM_PERM, 0.2, 0.8
    )


def _varied_signatures(n=400, seed=3):
    import random

    import numpy as np

    rng = random.Random(seed)
    h = dedup.Hasher.from_key(b"p" * 32)
    texts = []
    while len(texts) < n:
        sents = evaluate.complaint(rng, rng.randint(3, 8))
        texts.append("".join(sents))
        if rng.random() < 0.3:
            texts.append(evaluate.variant(sents, rng.choice(evaluate.VARIANTS), rng))
    return np.stack([h.signature_of(normalize(t)) for t in texts[:n]])


def test_index_self_join_finds_exactly_the_pairs_of_querying_each_signature():
    """The recomputation's band-by-band self-join equals a query per signature."""
    sigs = _varied_signatures()
    ids = [1000 + 3 * i for i in range(len(sigs))]  # ids are not row numbers
    index = dedup.BandIndex()
    index.bulk_load(ids, sigs)
    expected = {}
    for pk, sig in zip(ids, sigs, strict=True):
        for other, sim in index.query(sig, exclude={pk}):
            expected[(min(pk, other), max(pk, other))] = sim
    assert expected  # the set has true repeats
    assert index.pairs() == expected
    # Inserted one by one (the intake path): the same pairs once compacted.
    incremental = dedup.BandIndex()
    for pk, sig in zip(ids, sigs, strict=True):
        incremental.add(pk, sig)
    assert incremental.pairs() == expected


def test_index_query_verifies_against_the_latest_signature():
    sigs = _varied_signatures(40)
    index = dedup.BandIndex()
    index.bulk_load(list(range(40)), sigs)
    index.add(5, sigs[7])  # a re-analysed submission: its new signature counts
    assert (5, 1.0) in index.query(sigs[7], exclude={7})
    assert len(index) == 40
    assert dedup.BandIndex().query(sigs[0]) == [] and dedup.BandIndex().pairs() == {}


def test_category_similarities_match_the_sparse_tfidf_definition():
    """The vectorised lookup (integer n-gram codes) computes the documented cosine."""
    import math

    import numpy as np

    from xuncha.analytics.categories import _ngrams
    from xuncha.analytics.text import compact

    model = categories.CategoryModel(evaluate.taxonomy_2024())
    for raw in [COMPLAINT, "党费收缴不规范", "ＱＱ群 abc 123", "a", "违规发放津补贴" * 40]:
        grams = _ngrams(raw)
        idx = [model.vocab[g] for g in grams if g in model.vocab]
        val = [(1 + math.log(tf)) * model.idf[g] for g, tf in grams.items() if g in model.vocab]
        v = np.array(val)
        expected = (
            model.matrix[:, idx] @ (v / np.linalg.norm(v)) if idx else np.zeros(len(model.codes))
        )
        got = model._similarities(compact(raw).lower())
        assert np.allclose(got, expected, atol=1e-12)
        full, short = model.suggest(raw), model.suggest(raw, explain=False)
        assert (full and (full.code, full.confidence)) == (short and (short.code, short.confidence))
    assert not model._similarities("").any()


def test_batched_suggestions_equal_one_by_one():
    texts = [normalize(t) for t in (COMPLAINT, "", "。。。", "a", COMPLAINT * 5, "党费收缴不规范")]
    texts += ["".join(evaluate.complaint(__import__("random").Random(i))) for i in range(150)]
    model = categories.CategoryModel(evaluate.taxonomy_2024())
    one = [model.suggest(t, explain=False) for t in texts]
    for block in (1, 16, 200):
        many = model.suggest_many(texts, block=block)
        assert [s and (s.code, s.confidence) for s in one] == [
            s and (s.code, s.confidence) for s in many
        ]
    assert many[1] is None and many[0].code
