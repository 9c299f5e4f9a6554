"""Load the supervision taxonomy (四个落实, 2024) of domain.md section 4 as version "2024"."""

from datetime import date

from django.db import migrations

TAXONOMY = [
    (
        "A",
        "贯彻落实党的理论和路线方针政策、党中央和上级决策部署",
        [
            ("A1", "理论学习与中心组学习"),
            ("A2", "重大决策部署落实偏差、打折扣、搞变通"),
            ("A3", "职能责任与主责主业"),
            ("A4", "新发展理念与高质量发展"),
            ("A5", "防范化解重大风险(债务、安全生产、生态环保)"),
            ("A6", "民生政策与乡村振兴"),
            ("A7", "意识形态工作责任制"),
            ("A8", "重大事项请示报告"),
        ],
    ),
    (
        "B",
        "落实全面从严治党战略部署",
        [
            ("B1", "主体责任、第一责任人、一岗双责"),
            ("B2", "监督责任与日常监督"),
            ("B3", "政治纪律和政治规矩"),
            (
                "B4",
                "违反中央八项规定精神(公款吃喝、违规收礼、公车、超标接待、违规发放津补贴、办公用房)",
            ),
            ("B5", "形式主义、官僚主义"),
            ("B6", "廉洁风险与腐败(工程、招标采购、资金资产资源、审批监管、国企经营)"),
            ("B7", "群众身边腐败和不正之风(惠民资金、集体“三资”、低保、征地补偿)"),
            ("B8", "“三重一大”与民主集中制"),
            ("B9", "财经纪律与内控"),
        ],
    ),
    (
        "C",
        "落实新时代党的组织路线",
        [
            ("C1", "领导班子建设"),
            ("C2", "选人用人(程序、带病提拔、超职数、干部档案、个人事项报告)"),
            ("C3", "干部队伍管理监督"),
            ("C4", "基层党组织建设(软弱涣散、“三会一课”、组织生活、党员发展与管理、党费)"),
            ("C5", "人才工作"),
            ("C6", "党建与业务融合"),
        ],
    ),
    (
        "D",
        "巡视巡察、审计等监督发现问题整改",
        [
            ("D1", "上轮巡视巡察整改不到位或虚假整改"),
            ("D2", "审计整改"),
            ("D3", "其他监督发现问题整改"),
            ("D4", "整改长效机制"),
        ],
    ),
    (
        "E",
        "基层治理与群众反映问题(村/社区)",
        [
            ("E1", "村级组织运转与“两委”履职"),
            ("E2", "村务财务公开"),
            ("E3", "集体“三资”管理"),
            ("E4", "涉农资金项目"),
            ("E5", "换届选举纪律"),
            ("E6", "群众急难愁盼"),
        ],
    ),
    (
        "F",
        "其他 / 专项主题",
        [
            ("F1", "专项主题(按轮次自定义)"),
        ],
    ),
]


def load(apps, schema_editor):
    Version = apps.get_model("inspections", "TaxonomyVersion")
    Category = apps.get_model("inspections", "TaxonomyCategory")
    version, _ = Version.objects.get_or_create(
        code="2024",
        defaults={"name": "四个落实(2024版)", "active": True, "effective_from": date(2024, 1, 1)},
    )
    sort = 0
    for code, name, children in TAXONOMY:
        sort += 1
        parent, _ = Category.objects.get_or_create(
            version=version, code=code, defaults={"name": name, "level": 1, "sort": sort}
        )
        for child_code, child_name in children:
            sort += 1
            Category.objects.get_or_create(
                version=version,
                code=child_code,
                defaults={"name": child_name, "level": 2, "sort": sort, "parent": parent},
            )


def unload(apps, schema_editor):
    apps.get_model("inspections", "TaxonomyVersion").objects.filter(code="2024").delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_fieldwork_problems_papers_taxonomy")]
    operations = [migrations.RunPython(load, unload)]
