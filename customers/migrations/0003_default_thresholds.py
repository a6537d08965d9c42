from django.db import migrations


def add_defaults(apps, schema_editor):
    apps.get_model("customers", "TierThresholds").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
