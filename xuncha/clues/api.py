from ninja import Router

router = Router(tags=["问题线索"])
