"""Reflection hygiene, pure: copied passages, advert lines and doubled words are flagged at
their exact place; ordinary reduplication, short stock phrases and own text are not."""

from hypothesis import given
from hypothesis import strategies as st

from xuncha.study.hygiene import Reference, check, passages

OWN = "结合第二轮巡察的实践，我体会到个别谈话要事先吃透被巡察单位的情况。"
COPIED = "通过学习，我深刻认识到全面从严治党永远在路上，必须把纪律和规矩挺在前面。"
REF = Reference("reflection:7", "张三《体会》", "开头一句。" + COPIED + "结尾一句。")


def kinds(text, refs=(REF,)):
    return [(f.kind, text[f.start : f.end]) for f in check(text, refs)]


def test_copied_passage_is_flagged_with_its_source():
    text = OWN + COPIED
    [flag] = check(text, [REF])
    assert (flag.kind, text[flag.start : flag.end], flag.ref) == ("duplicate", COPIED, REF.key)
    assert "张三《体会》" in flag.message


def test_a_lightly_edited_copy_is_still_flagged_but_own_text_is_not():
    edited = COPIED.replace("深刻", "深切")
    assert [k for k, _ in kinds(OWN + edited)] == ["duplicate"]
    assert kinds(OWN) == []
    assert kinds(COPIED, refs=()) == []


def test_full_width_and_traditional_copies_are_found():
    wide = "通過學習，我深刻認識到全面從嚴治黨永遠在路上，必須把紀律和規矩挺在前面。"
    assert [k for k, _ in kinds(wide)] == ["duplicate"]


def test_short_stock_phrases_are_not_duplicates():
    ref = Reference("r", "r", "提高政治站位。")
    assert kinds("提高政治站位。", refs=(ref,)) == []


def test_advert_and_contact_lines_are_flagged():
    line = "需要范文请加微信 fanwen8866，详情咨询 13912345678。"
    assert kinds(OWN + line, refs=()) == [("advert", line)]


def test_doubled_words_but_not_reduplication():
    text = "学习的的收获很大，要加强学习加强学习。我们常常反思，认认真真、天天学习，哈哈哈哈。"
    found = kinds(text, refs=())
    assert found == [("doubled", "的的"), ("doubled", "加强学习加强学习")]


def test_passages_carry_their_flags_for_display():
    text = OWN + "\n" + COPIED
    flags = [f.as_dict() for f in check(text, [REF])]
    shown = passages(text, flags)
    assert [p["kinds"] for p in shown] == [[], ["duplicate"]]
    assert "".join(p["text"] for p in shown) == text.replace("\n", "")


@given(st.text(max_size=300))
def test_any_text_is_checked_without_error_and_offsets_stay_inside(text):
    for f in check(text, [REF]):
        assert 0 <= f.start < f.end <= len(text)
