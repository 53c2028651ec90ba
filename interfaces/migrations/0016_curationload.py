"""Each completed load_curated is recorded with its counts and conflicts; curators may read them."""

from django.db import migrations, models


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("interfaces")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curator")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="interfaces", codename="view_curationload")
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Curator"):
        group.permissions.remove(*Permission.objects.filter(codename="view_curationload"))


class Migration(migrations.Migration):
    dependencies = [("interfaces", "0015_second_reading")]

    operations = [
        migrations.CreateModel(
            name="CurationLoad",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("loaded_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="loaded")),
                ("directory", models.CharField(max_length=500, verbose_name="folder")),
                (
                    "took_files",
                    models.BooleanField(
                        default=False,
                        help_text="Run with --take-files.",
                        verbose_name="took the files' version",
                    ),
                ),
                ("counts", models.JSONField(default=dict)),
                ("conflicts", models.JSONField(default=list)),
                ("overwritten", models.JSONField(default=list)),
            ],
            options={
                "verbose_name": "load of the curated files",
                "verbose_name_plural": "loads of the curated files",
                "ordering": ["-loaded_at", "-pk"],
                "get_latest_by": ["loaded_at", "pk"],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
