from ninja import Router

router = Router(tags=["巡察计划"])
