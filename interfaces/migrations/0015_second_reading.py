"""A figure's second reading: who entered it, who checked it against its source, and when.

The trigger that clears a check when the figure changes afterwards is made after every
migration (interfaces/second_reading.py), from the model's columns as they stand."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('interfaces', '0014_folded_search_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalmeasurement',
            name='checked_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeasurement',
            name='checked_by',
            field=models.CharField(blank=True, editable=False, help_text='The second curator who checked it against its source.', max_length=150),
        ),
        migrations.AddField(
            model_name='historicalmeasurement',
            name='entered_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeasurement',
            name='entered_by',
            field=models.CharField(blank=True, editable=False, help_text='The curator who entered or last changed it.', max_length=150),
        ),
        migrations.AddField(
            model_name='measurement',
            name='checked_at',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='measurement',
            name='checked_by',
            field=models.CharField(blank=True, editable=False, help_text='The second curator who checked it against its source.', max_length=150),
        ),
        migrations.AddField(
            model_name='measurement',
            name='entered_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='measurement',
            name='entered_by',
            field=models.CharField(blank=True, editable=False, help_text='The curator who entered or last changed it.', max_length=150),
        ),
        migrations.AddConstraint(
            model_name='measurement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('checked_at__isnull', True), ('checked_by', '')), models.Q(models.Q(('checked_by', ''), _negated=True), ('checked_at__isnull', False)), _connector='OR'), name='measurement_check_has_curator_and_date'),
        ),
        migrations.AddConstraint(
            model_name='measurement',
            constraint=models.CheckConstraint(condition=models.Q(('checked_by', ''), ('entered_by', ''), models.Q(('checked_by', models.F('entered_by')), _negated=True), _connector='OR'), name='measurement_checked_by_a_second_curator', violation_error_message='A figure is checked by a curator other than the one who entered it.'),
        ),
    ]
