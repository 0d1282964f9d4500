"""The part of each account-month that came from excluded transactions, which analytics leave out.

The new columns are filled from the transactions already excluded, so the
per-account figures of ``analytics/balance/?account=`` are right at once.
"""

from django.db import migrations, models
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

import finance.core.money


def fill_excluded(apps, schema_editor):
    Transaction = apps.get_model("ledger", "Transaction")
    AccountMonthly = apps.get_model("ledger", "AccountMonthly")
    rows = (
        Transaction.objects.filter(is_excluded=True)
        .annotate(m=TruncMonth("date"))
        .values("account_id", "m", "type")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    for row in rows:
        month = row["m"].date() if hasattr(row["m"], "date") else row["m"]
        changes = {"excluded_count": models.F("excluded_count") + row["n"]}
        if row["type"] == "income":
            changes["excluded_income"] = models.F("excluded_income") + row["total"]
        elif row["type"] == "expense":
            changes["excluded_expense"] = models.F("excluded_expense") + row["total"]
        AccountMonthly.objects.filter(account_id=row["account_id"], month=month).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountmonthly",
            name="excluded_count",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="accountmonthly",
            name="excluded_expense",
            field=finance.core.money.MoneyField(decimal_places=10, default=0, max_digits=28),
        ),
        migrations.AddField(
            model_name="accountmonthly",
            name="excluded_income",
            field=finance.core.money.MoneyField(decimal_places=10, default=0, max_digits=28),
        ),
        migrations.RunPython(fill_excluded, migrations.RunPython.noop, elidable=True),
    ]
