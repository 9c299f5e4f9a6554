from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    # The head row exists from the start, so the first writers contend on a row lock
    # instead of racing to insert it.
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.get_or_create(
        pk=1,
        defaults={"seq": 0, "hash": GENESIS, "algorithm": settings.AUDIT_HASH_ALGORITHM},
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial_audit_chain")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
