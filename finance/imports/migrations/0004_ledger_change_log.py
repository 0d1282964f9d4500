"""The change log that lets a commit skip its re-check when nothing it reads has changed (PostgreSQL).

One statement-level trigger per table and event writes one row per household a
statement touched, with the writing transaction's id: a 100k-row COPY writes one.
"""

from typing import Any

from django.db import migrations, models

# Everything duplicate and transfer detection reads (finance.imports.matching: duplicates, transfers), and the events
# that change it. Imported rows count when updated (another batch's commit gives its rows their outcome) or deleted,
# not when inserted (a staged row has no outcome yet): a 100k-row upload's COPY captures no transition table.
WATCHED = (
    ("ledger_transaction", ("insert", "update", "delete")),
    ("ledger_split", ("insert", "update", "delete")),
    ("ledger_account", ("insert", "update", "delete")),
    ("currency_exchangerate", ("insert", "update", "delete")),
    ("imports_importedrow", ("update", "delete")),
)

FUNCTION = """
CREATE OR REPLACE FUNCTION imports_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO imports_ledgerchange (household_id, xact, created_at)
        SELECT household_id, pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM (SELECT DISTINCT household_id FROM new_rows) AS touched;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO imports_ledgerchange (household_id, xact, created_at)
        SELECT household_id, pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM (SELECT household_id FROM new_rows UNION SELECT household_id FROM old_rows) AS touched;
    ELSE
        INSERT INTO imports_ledgerchange (household_id, xact, created_at)
        SELECT household_id, pg_current_xact_id()::text::bigint, clock_timestamp()
        FROM (SELECT DISTINCT household_id FROM old_rows) AS touched;
    END IF;
    RETURN NULL;
END
$$;
"""

EVENTS = {
    "insert": ("INSERT", "NEW TABLE AS new_rows"),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "OLD TABLE AS old_rows"),
}


def _create_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, events in WATCHED:
        for name in events:
            event, referencing = EVENTS[name]
            schema_editor.execute(
                f"CREATE TRIGGER imports_change_{name} AFTER {event} ON {table} REFERENCING {referencing} "
                "FOR EACH STATEMENT EXECUTE FUNCTION imports_note_change()"
            )


def _drop_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, events in WATCHED:
        for name in events:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS imports_change_{name} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS imports_note_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_imported_rows_update_in_place"),
        ("currency", "0001_initial"),
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="analysed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="analysed_snapshot",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="analysed_xact",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="LedgerChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("household_id", models.UUIDField()),
                ("xact", models.BigIntegerField(help_text="The writing transaction's id (pg_current_xact_id).")),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["household_id", "xact"], name="imports_change_household"),
                    models.Index(fields=["created_at"], name="imports_change_created"),
                ],
            },
        ),
        migrations.RunPython(_create_triggers, _drop_triggers),
    ]
