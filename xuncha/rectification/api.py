from ninja import Router

router = Router(tags=["整改落实"])
