"""The network's default promotion seasons: 双11 (11-11) and 618 (06-18)."""

from django.db import migrations

DEFAULTS = [("双11", 11, 11), ("618", 6, 18)]


def add_defaults(apps, schema_editor):
    season = apps.get_model("followups", "PromotionSeason")
    for name, month, day in DEFAULTS:
        season.objects.get_or_create(
            outlet=None, name=name, defaults={"month": month, "day": day}
        )


def remove_defaults(apps, schema_editor):
    season = apps.get_model("followups", "PromotionSeason")
    season.objects.filter(outlet=None, name__in=[n for n, *_ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0002_campaigns_promotion_seasons_warehouse_fill")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
