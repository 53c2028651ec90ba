"""The Curator group: adds and changes the bibliography and the studies, deletes none of them."""

from django.db import migrations

# (app, model) -> actions. Link rows (authorships, study interlayers) may be deleted:
# reordering authors or correcting an interlayer replaces them.
CURATOR_PERMISSIONS = {
    ("references", "reference"): ["view", "add", "change"],
    ("references", "author"): ["view", "add", "change"],
    ("references", "authorship"): ["view", "add", "change", "delete"],
    ("interfaces", "study"): ["view", "add", "change"],
    ("interfaces", "measurement"): ["view", "add", "change"],
    ("interfaces", "studyinterlayer"): ["view", "add", "change", "delete"],
    ("interfaces", "electrolyte"): ["view", "add", "change"],
    ("interfaces", "interlayermaterial"): ["view", "add", "change"],
    ("interfaces", "electrolytefamily"): ["view", "add", "change"],
}


def create_curator_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curator")
    for (app_label, model), actions in CURATOR_PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            )


def remove_curator_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Curator").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0002_tex_safe_fields"),
        ("interfaces", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curator_group, remove_curator_group)]
