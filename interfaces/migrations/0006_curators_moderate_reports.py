"""Curators see a record's history and moderate readers' reports (which they may not delete)."""

from django.db import migrations

PERMISSIONS = {
    ("interfaces", "report"): ["view", "change"],
    ("interfaces", "historicalstudy"): ["view"],
    ("interfaces", "historicalmeasurement"): ["view"],
    ("interfaces", "historicalelectrolyte"): ["view"],
    ("interfaces", "historicalinterlayermaterial"): ["view"],
    ("interfaces", "historicalelectrolytefamily"): ["view"],
    ("references", "historicalreference"): ["view"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curator")
    for (app_label, model), actions in PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Curator").first()
    if group:
        for (app_label, model), actions in PERMISSIONS.items():
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=[f"{a}_{model}" for a in actions]
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("interfaces", "0005_reader_reports"),
        ("references", "0004_history"),
        ("references", "0003_curator_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
