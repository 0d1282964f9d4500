"""A row's household and account are checked through its batch, not once more per row."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0002_initial"),
        ("imports", "0004_ledger_change_log"),
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importedrow",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledger.account",
            ),
        ),
        migrations.AlterField(
            model_name="importedrow",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="households.household",
            ),
        ),
    ]
