from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# The charts count the studies by their paper's year from the covering index alone, without
# joining the papers: the index keeps the stored year too (search.refresh writes it), and the
# method, so that the facets count every study by electrolyte, strategy and method from it too.
POSTGRESQL_FORWARDS = """
DROP INDEX IF EXISTS study_chart_figures;
CREATE INDEX study_chart_figures ON interfaces_study (electrolyte_id)
    INCLUDE (id, strategy, method, reference_id, paper_year, best_ccd_value, lowest_resistance_value);
"""
POSTGRESQL_BACKWARDS = """
DROP INDEX IF EXISTS study_chart_figures;
CREATE INDEX study_chart_figures ON interfaces_study (electrolyte_id)
    INCLUDE (id, strategy, reference_id, best_ccd_value, lowest_resistance_value);
"""


def postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


def fill(apps, schema_editor):
    """The stored year of the studies already there, in one UPDATE."""
    Study, Reference = apps.get_model("interfaces", "Study"), apps.get_model("references", "Reference")
    Study.objects.update(paper_year=Subquery(Reference.objects.filter(pk=OuterRef("reference_id")).values("year")))


class Migration(migrations.Migration):

    dependencies = [
        ("interfaces", "0018_chart_indexes"),
        ("references", "0009_edit_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="study",
            name="paper_year",
            field=models.SmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(postgresql(POSTGRESQL_FORWARDS), postgresql(POSTGRESQL_BACKWARDS)),
    ]
