"""Deployment checks of our own (`xuncha check --deploy`)."""

from pathlib import Path

from django.conf import settings
from django.core import checks


def _inside(path: Path, folder) -> bool:
    if not folder:
        return False
    try:
        return path.resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def keys_apart_from_data(app_configs=None, **kwargs):
    """Keys (and the audit checkpoints) must not sit in the data folder or its backups:
    whoever copies a database dump or a backup would carry the keys along with it."""
    from xuncha.audit.checkpoints import checkpoint_path
    from xuncha.core.keys import keys_dir

    found = []
    places = [("W010", "密钥目录 / keys folder", keys_dir())]
    places.append(("W011", "审计检查点文件 / audit checkpoint file", checkpoint_path()))
    for code, what, path in places:
        for folder, name in (
            (settings.DATA_DIR, "数据目录 XUNCHA_DATA_DIR"),
            (settings.BACKUP_DIR, "备份目录 XUNCHA_BACKUP_DIR"),
        ):
            if _inside(path, folder):
                found.append(
                    checks.Warning(
                        f"{what} {path} 位于{name}（{folder}）之内：数据库或备份一旦泄露，"
                        "密钥随之泄露，审计链也可被整体改写。",
                        hint="设置 XUNCHA_KEYS_DIR（以及 XUNCHA_AUDIT_CHECKPOINT_FILE）指向数据目录"
                        "和备份范围之外的目录 / point XUNCHA_KEYS_DIR outside the data and "
                        "backup folders.",
                        id=f"xuncha.{code}",
                    )
                )
    return found
