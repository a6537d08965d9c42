from django.db import migrations

# DOMAIN.md's limits as editable network defaults, plus the tiers' priority pickup.
DEFAULTS = [
    # kind, tier, minutes, warn before, counting, label
    ("pickup_contact", "", 30, 5, "business_hours", ""),
    ("pickup_contact", "key", 20, 5, "business_hours", "Priority pickup"),
    ("pickup_contact", "strategic", 15, 5, "business_hours", "Dedicated service"),
    ("pickup_entry", "", 30, 5, "business_hours", ""),
    ("milestone_push", "", 30, 5, "calendar", ""),
    ("problem_response", "", 10, 2, "calendar", ""),
    ("problem_solution", "", 50, 10, "calendar", ""),
    ("problem_remedy", "", 180, 30, "calendar", ""),
    ("cold_chain_alarm", "", 5, 1, "calendar", ""),
]


def add_defaults(apps, schema_editor):
    ClockPolicy = apps.get_model("clocks", "ClockPolicy")
    for kind, tier, minutes, warn, counting, label in DEFAULTS:
        ClockPolicy.objects.get_or_create(
            outlet=None, kind=kind, tier=tier, need="",
            defaults={"minutes": minutes, "warn_before_minutes": warn,
                      "counting": counting, "label": label},
        )


class Migration(migrations.Migration):
    dependencies = [("clocks", "0003_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
