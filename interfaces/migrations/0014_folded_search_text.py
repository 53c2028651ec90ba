# The stored search texts, folded (accents, Unicode forms, dashes) and holding the family's
# names, the journal and the method: rewritten for every study.

from django.db import migrations


def fill(apps, schema_editor):
    # The current function, on purpose: the stored text is whatever search.refresh() writes.
    from interfaces.search import refresh

    refresh(apps.get_model("interfaces", "Study").objects.all())


class Migration(migrations.Migration):
    dependencies = [("interfaces", "0013_edit_versions")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
