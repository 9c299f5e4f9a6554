from ninja import Router

router = Router(tags=["巡察实施"])
