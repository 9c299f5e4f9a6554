"""Fixtures of the library tests: rule documents as uploads, a library with a cited rule."""

import io
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xuncha.library import services

DATA = Path(__file__).parent / "data"

RULE_V1 = """江州市巡察工作廉洁纪律规定
第一章 总则
第一条 为了严明巡察工作纪律，保障巡察工作依规依纪开展，制定本规定。
第二条 本规定适用于市委巡察组和巡察办全体工作人员。
第二章 纪律要求
第三条 巡察工作人员不得接受被巡察单位的宴请、礼品礼金和土特产。
第四条 巡察工作人员不得违规发放津贴补贴，不得以加班费名义变相发放补贴：
（一）不得在被巡察单位报销任何费用；
（二）不得借巡察之机办理私事。
第五条 违反本规定的，依规依纪严肃处理。
附件：巡察工作人员廉洁承诺书
本人承诺严格遵守巡察工作纪律。
"""
RULE_V2 = RULE_V1.replace("第五条 违反本规定的", "第五条 违反本规定情节较重的").replace(
    "附件：", "第六条 本规定自印发之日起施行。\n附件："
)


def txt(text: str, name="规定.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def docx_file(text: str, name="规定.docx") -> SimpleUploadedFile:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def pdf_file(name="rule.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / "rule.pdf").read_bytes())


def upload(cast, text=RULE_V1, *, actor=None, office=None, **kwargs):
    return services.rule_upload(
        office=office or cast.city,
        uploaded=txt(text),
        actor=actor or cast.office_staff,
        issuer="中共江州市委巡察工作领导小组",
        doc_number="江巡组发〔2025〕3号",
        **kwargs,
    )


@pytest.fixture
def library(cast):
    """The cast plus one city rule (version 1) and a problem of team a."""
    from tests.inspections.conftest import make_problem

    done = upload(cast)
    cast.rule = done.version.rule
    cast.problem = make_problem(cast)
    return cast


def article(rule, label):
    return rule.current.provisions.get(label=label)
