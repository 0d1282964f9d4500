"""The rest of the demo household's life, for ``load_demo``: what a ledger and a budget alone do not show.

A profile picture, a partner who shares the books (an editor) and a pending invitation; rules
that categorize the subscriptions and rides; a credit-card statement imported
through the real import path (read, staged, categorized by the rules, history
and model, committed), whose unfamiliar merchants wait in the review queue;
and the budget's months re-checked at their ends, so threshold alerts exist
where the spending crossed them. Everything goes through the domains'
services, as the API would.
"""

from __future__ import annotations

import io
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from finance.budgets import services as budget_services
from finance.budgets.models import Budget, BudgetThresholdCrossed
from finance.budgets.selectors import calendar_of
from finance.categorization import services as rule_services
from finance.categorization.models import Rule
from finance.households import services as household_services
from finance.households.models import Household, Membership, Role
from finance.imports import services as import_services
from finance.imports.commit import import_commit
from finance.imports.models import ImportBatch
from finance.ledger.models import Account, AccountType, Category
from finance.users.models import User
from finance.users.services import user_register, user_set_avatar

PARTNER_USERNAME = "sam"
INVITED_EMAIL = "grandpa.joe@example.com"

# (days before today, payee as the card prints it, amount): recent card spending the ledger does not have yet.
STATEMENT = [
    (9, "LYFT *RIDE SUN 8PM", "18.40"),
    (8, "NETFLIX.COM", "15.49"),
    (7, "SQ *GREEN ACRES FARM STAND", "27.50"),
    (6, "DELTA AIR LINES 0067", "342.80"),
    (5, "PAYPAL *ETSY PURCHASE", "46.20"),
    (4, "WALGREENS #4412", "12.89"),
    (3, "LYFT *RIDE FRI 11PM", "24.15"),
    (2, "HULU 877-8244858", "7.99"),
    (1, "BLUE APRON MEAL KITS", "59.94"),
]


def generate(household: Household, *, actor: User, today: date | None = None) -> dict[str, int]:
    """Add the partner, the invitation, the rules, the import and the budget's alerts; returns what it made."""
    today = today or date.today()  # noqa: DTZ011 - the same calendar date the demo ledger ends on
    if not actor.avatar:
        user_set_avatar(user=actor, upload=io.BytesIO(_portrait()))
    made = {
        "members": _partner(household, actor),
        "rules": _rules(household, actor),
        "imported": _statement(household, actor, today),
        "alerts": _budget_alerts(household, today),
    }
    household_services.invitation_create(household=household, actor=actor, identifier=INVITED_EMAIL, role=Role.VIEWER)
    return made


def _portrait() -> bytes:
    """A profile picture for the demo user: a teal disc with a pale initial, drawn here (no stock photo)."""
    image = Image.new("RGB", (256, 256), "#e0f2f1")
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill="#00796b")
    draw.ellipse((88, 48, 168, 128), fill="#b2dfdb")  # head
    draw.pieslice((48, 136, 208, 296), 180, 360, fill="#b2dfdb")  # shoulders
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _partner(household: Household, actor: User) -> int:
    partner = User.objects.filter(username=PARTNER_USERNAME).first()
    if partner is None:
        # Nobody signs in as the partner: a long random password nobody knows.
        partner = user_register(
            username=PARTNER_USERNAME,
            email="sam@example.com",
            password=secrets.token_urlsafe(24),
            first_name="Sam",
            last_name="Rivera",
            default_currency=household.base_currency,
            email_verified=True,
        )
    _, created = Membership.objects.get_or_create(household=household, user=partner, defaults={"role": Role.EDITOR})
    return int(created)


def _rules(household: Household, actor: User) -> int:
    categories = {c.name: c for c in Category.objects.filter(household=household)}

    def category(name: str) -> str:
        return str(categories[name].pk)

    rules = [
        (
            "Streaming services",
            [{"field": "payee", "operator": "regex", "value": r"netflix|spotify|hulu|disney\+"}],
            [{"action": "set_category", "value": category("Streaming")}, {"action": "add_tag", "value": "family"}],
        ),
        (
            "Ride-hailing",
            [{"field": "payee", "operator": "regex", "value": r"\b(uber|lyft)\b"}],
            [{"action": "set_category", "value": category("Taxi")}],
        ),
        (
            "Small coffee-shop bills",
            [
                {"field": "payee", "operator": "one_of", "value": ["Starbucks", "Blue Bottle Coffee"]},
                {"field": "amount", "operator": "between", "value": ["-15", "0"]},
            ],
            [{"action": "set_category", "value": category("Coffee")}],
        ),
    ]
    for priority, (name, conditions, actions) in enumerate(rules, start=1):
        rule_services.rule_create(
            household=household,
            actor=actor,
            name=name,
            priority=priority,
            match="all",
            conditions=conditions,
            actions=actions,
        )
    return len(rules)


def _ofx(rows: list[tuple[date, str, Decimal]], start: date, end: date) -> bytes:
    entries = "".join(
        f"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>{day:%Y%m%d}</DTPOSTED><TRNAMT>-{amount}</TRNAMT>"
        f"<FITID>DEMO{day:%Y%m%d}{index:03d}</FITID><NAME>{payee}</NAME></STMTTRN>"
        for index, (day, payee, amount) in enumerate(rows)
    )
    return (
        '<?xml version="1.0" encoding="US-ASCII"?>\n'
        '<?OFX OFXHEADER="200" VERSION="200" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<DTSERVER>{end:%Y%m%d}120000</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>"
        "<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<CCSTMTRS><CURDEF>USD</CURDEF><CCACCTFROM><ACCTID>4111000011112222</ACCTID></CCACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{start:%Y%m%d}</DTSTART><DTEND>{end:%Y%m%d}</DTEND>{entries}</BANKTRANLIST>"
        "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n"
    ).encode("ascii")


def _statement(household: Household, actor: User, today: date) -> int:
    card = Account.objects.filter(household=household, type=AccountType.CREDIT_CARD, is_active=True).first()
    if card is None:
        return 0
    rows = [(today - timedelta(days=back), payee, Decimal(amount)) for back, payee, amount in STATEMENT]
    data = _ofx(rows, today - timedelta(days=10), today)
    batch = import_services.import_upload(
        household=household,
        actor=actor,
        account=card,
        file=SimpleUploadedFile("rewards-card-statement.ofx", data, content_type="application/x-ofx"),
    )
    batch = import_commit(batch=batch, actor=actor, skip_invalid=True)
    return batch.rows_imported


def _budget_alerts(household: Household, today: date) -> int:
    """Check each month of the active budgets at its last day, as the nightly check would have done then."""
    recorded = 0
    for budget in Budget.objects.filter(household=household, is_active=True):
        cal = calendar_of(budget)
        index = cal.index_of(budget.start_date)
        while True:
            start, end = cal.range(index)
            if start > today:
                break
            checked_on = min(end, today)
            recorded += budget_services.budget_thresholds_evaluate(
                household_id=household.id, budget_ids=[budget.id], today=checked_on
            )
            # Dated as the nightly check would have recorded them: on the period's last day (or today).
            at = timezone.make_aware(datetime.combine(checked_on, time(21, 0)))
            BudgetThresholdCrossed.objects.filter(budget=budget, period_start=start, created_at__gt=at).update(
                created_at=at
            )
            index += 1
    return recorded


def clear(household: Household) -> None:
    """Remove the demo rules and imports (``load_demo --reset``); the partner and the invitation stay."""
    Rule.objects.filter(household=household).delete()
    ImportBatch.objects.filter(household=household).delete()
