"""Realistic multi-year household activity, for `make run` and the benchmarks.

One pass builds the rows in memory-bounded chunks and inserts them in bulk
(PostgreSQL ``COPY`` when available), then derives balances and monthly
aggregates once from the inserted rows (the same recomputation
``verify_ledger`` uses), so 100k or 1M transactions take seconds, not hours.
"""

from __future__ import annotations

import calendar
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import connection, transaction

from finance.core.cache import bump_household_version
from finance.core.money import ZERO
from finance.currency.models import ExchangeRate, RateSource
from finance.currency.selectors import RateCache
from finance.households.models import Household
from finance.ledger import services
from finance.ledger.bulk import copy_insert
from finance.ledger.models import Account, Category, Split, Tag, Transaction, TransactionTag
from finance.ledger.verify import recompute, write_aggregates
from finance.users.models import User

CHUNK = 20_000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Merchant:
    payee: str
    category: str
    low: float
    high: float


DAILY = [
    Merchant("Whole Foods Market", "Groceries", 25, 180),
    Merchant("Trader Joe's", "Groceries", 15, 120),
    Merchant("Safeway", "Groceries", 10, 150),
    Merchant("Corner Bakery", "Groceries", 4, 18),
    Merchant("Chipotle", "Dining out", 9, 28),
    Merchant("Olive Garden", "Dining out", 35, 110),
    Merchant("Sushi Place", "Dining out", 30, 95),
    Merchant("Starbucks", "Coffee", 3, 9),
    Merchant("Blue Bottle Coffee", "Coffee", 4, 8),
    Merchant("Shell", "Fuel", 30, 75),
    Merchant("Chevron", "Fuel", 28, 80),
    Merchant("Uber", "Taxi", 9, 45),
    Merchant("Metro Transit", "Public transport", 2.5, 30),
    Merchant("Amazon", "Household goods", 8, 140),
    Merchant("Target", "Household goods", 12, 160),
    Merchant("Uniqlo", "Clothing", 20, 150),
    Merchant("CVS Pharmacy", "Pharmacy", 5, 60),
    Merchant("AMC Theatres", "Events", 12, 45),
    Merchant("Barnes & Noble", "Books", 10, 60),
    Merchant("Best Buy", "Electronics", 20, 400),
]
EURO_TRIP = [
    Merchant("Hotel Adlon", "Accommodation", 120, 260),
    Merchant("Trattoria Roma", "Holiday spending", 25, 90),
    Merchant("Deutsche Bahn", "Public transport", 20, 120),
    Merchant("Cafe de Flore", "Coffee", 4, 12),
    Merchant("Musee du Louvre", "Events", 17, 40),
]


class _Builder:
    """Accumulates rows for one household and inserts them chunk by chunk."""

    def __init__(self, household: Household, actor: User | None, rng: random.Random) -> None:
        self.household = household
        self.actor_id = getattr(actor, "pk", None)
        self.rng = rng
        self.rates = RateCache(household.id)
        self.txns: list[Transaction] = []
        self.splits: list[Split] = []
        self.tag_links: list[TransactionTag] = []
        self.count = 0
        self.spending: dict[uuid.UUID, Decimal] = {}

    def take_spending(self, account: Account) -> Decimal:
        """What was spent from ``account`` since the last call (at least a cent, so a top-up is valid)."""
        return max(self.spending.pop(account.id, ZERO), CENT)

    def add(
        self,
        account: Account,
        kind: str,
        amount: Decimal,
        on: date,
        *,
        payee: str = "",
        category: Category | None = None,
        transfer_to: Account | None = None,
        transfer_amount: Decimal | None = None,
        description: str = "",
        tags: list[Tag] | None = None,
        splits: list[tuple[Category, Decimal]] | None = None,
    ) -> None:
        rate = self.rates.get(account.currency, self.household.base_currency, on)
        created = datetime.combine(on, time(8, 0), tzinfo=UTC) + timedelta(seconds=self.rng.randrange(50_000))
        txn = Transaction(
            id=uuid.uuid4(),
            household_id=self.household.id,
            account_id=account.id,
            type=kind,
            amount=amount,
            currency=account.currency,
            date=on,
            category_id=category.id if category and not splits else None,
            payee=payee,
            description=description,
            transfer_account_id=transfer_to.id if transfer_to else None,
            transfer_amount=(transfer_amount or amount) if transfer_to else None,
            amount_in_base_currency=rate.convert(amount) if rate else None,
            exchange_rate=rate.value if rate else None,
            exchange_rate_date=rate.date if rate else None,
            categorization_source="user" if (category or splits) else "",
            categorization_confidence=Decimal(1) if (category or splits) else None,
            created_by_id=self.actor_id,
            created_at=created,
            updated_at=created,
        )
        self.txns.append(txn)
        if kind == "expense":
            self.spending[account.id] = self.spending.get(account.id, ZERO) + amount
        if splits:
            converted: list[Decimal | None] = (
                list(rate.convert_parts([part for _, part in splits])) if rate else [None] * len(splits)
            )
            for position, ((cat, part), base) in enumerate(zip(splits, converted, strict=True)):
                self.splits.append(
                    Split(
                        id=uuid.uuid4(),
                        household_id=self.household.id,
                        transaction_id=txn.id,
                        category_id=cat.id,
                        amount=part,
                        amount_in_base_currency=base,
                        position=position,
                        created_at=created,
                        updated_at=created,
                    )
                )
        for tag in tags or []:
            self.tag_links.append(TransactionTag(household_id=self.household.id, transaction_id=txn.id, tag_id=tag.id))
        self.count += 1
        if len(self.txns) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.txns:
            return
        copy_insert(Transaction, self.txns)
        copy_insert(Split, self.splits)
        TransactionTag.objects.bulk_create(self.tag_links, batch_size=5000)
        self.txns, self.splits, self.tag_links = [], [], []


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2))).quantize(CENT)


def _days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months(start: date, end: date) -> Iterator[date]:
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


@transaction.atomic
def generate(
    household: Household,
    *,
    actor: User | None = None,
    years: int = 5,
    per_month: int | None = None,
    seed: int = 2026,
    end: date | None = None,
) -> int:
    """Fill ``household`` with ``years`` of activity ending at ``end`` (default today).

    ``per_month`` sets how many everyday purchases a month to make (default
    about 70, which with bills, salary, transfers and trips gives roughly 100
    transactions a month); the benchmarks raise it to reach 100k or 1M rows.
    Returns the number of transactions made.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    end = end or date.today()  # noqa: DTZ011 - a calendar date in the server's zone is what is meant
    start = date(end.year - years, end.month, 1)
    base = household.base_currency
    cats = {c.name: c for c in Category.objects.filter(household=household)}

    def cat(name: str) -> Category:
        return cats[name]

    checking = services.account_create(
        household=household,
        actor=None,
        name="Everyday checking",
        type="checking",
        currency=base,
        institution="First Community Bank",
        opening_balance=Decimal("3200.00"),
        group="Cash",
        color="#1565c0",
    )
    savings = services.account_create(
        household=household,
        actor=None,
        name="Rainy-day savings",
        type="savings",
        currency=base,
        institution="First Community Bank",
        opening_balance=Decimal("8000.00"),
        group="Savings",
        color="#2e7d32",
    )
    card = services.account_create(
        household=household,
        actor=None,
        name="Rewards credit card",
        type="credit_card",
        currency=base,
        institution="Big Card Co",
        group="Credit",
        color="#c62828",
    )
    wallet = services.account_create(
        household=household,
        actor=None,
        name="Wallet",
        type="cash",
        currency=base,
        opening_balance=Decimal("120.00"),
        group="Cash",
        color="#6d4c41",
    )
    foreign = "EUR" if base != "EUR" else "USD"
    travel = services.account_create(
        household=household,
        actor=None,
        name=f"Travel account ({foreign})",
        type="checking",
        currency=foreign,
        institution="Europa Bank",
        opening_balance=Decimal("500.00"),
        group="Cash",
        color="#6a1b9a",
    )
    # A month-by-month rate history for the second currency (a gentle random walk).
    level = Decimal("1.08") if foreign == "EUR" else Decimal("0.92")
    rates = []
    for month in _months(start - timedelta(days=31), end):
        level = (level * Decimal(str(1 + rng.uniform(-0.02, 0.02)))).quantize(Decimal("0.0001"))
        rates.append(
            ExchangeRate(
                household=household, base=foreign, quote=base, rate=level, date=month, source=RateSource.MANUAL
            )
        )
    ExchangeRate.objects.bulk_create(rates)

    tags = {
        name: services.tags_for_names(household=household, names=[name])[0] for name in ("family", "work", "vacation")
    }
    builder = _Builder(household, actor, rng)
    everyday = per_month if per_month is not None else 70
    salary = Decimal("4100.00")  # paid twice a month
    rent = Decimal("1850.00")

    for month in _months(start, end):
        y, m = month.year, month.month
        last = (
            min(_days(y, m), (end - month).days + 1)
            if month.year == end.year and month.month == end.month
            else _days(y, m)
        )

        def day(d: int, _y: int = y, _m: int = m, _last: int = last) -> date | None:
            return date(_y, _m, d) if d <= _last else None

        if m == 1 and month != start.replace(day=1):
            salary = (salary * Decimal("1.03")).quantize(CENT)
            rent = (rent * Decimal("1.02")).quantize(CENT)
        for d, kind, acct, amount, payee, name, description in [
            (1, "expense", checking, rent, "Oakwood Apartments", "Rent", ""),
            (1, "income", checking, salary, "Acme Corp Payroll", "Salary", f"Salary {month:%B %Y}, first half"),
            (15, "income", checking, salary, "Acme Corp Payroll", "Salary", f"Salary {month:%B %Y}, second half"),
            (
                5,
                "expense",
                checking,
                _money(rng, 55, 140) + (40 if m in (1, 2, 7, 8) else 0),
                "City Power & Light",
                "Electricity",
                "",
            ),
            (8, "expense", checking, Decimal("69.99"), "Comcast", "Internet", ""),
            (12, "expense", checking, Decimal("45.00"), "T-Mobile", "Phone", ""),
            (15, "expense", card, Decimal("15.49"), "Netflix", "Streaming", ""),
            (16, "expense", card, Decimal("10.99"), "Spotify", "Streaming", ""),
            (3, "expense", card, Decimal("39.00"), "Planet Fitness", "Fitness", ""),
            (20, "expense", checking, Decimal("145.00"), "State Farm", "Health insurance", ""),
        ]:
            on = day(d)
            if on is not None:
                builder.add(acct, kind, amount, on, payee=payee, category=cat(name), description=description)
        if (on := day(26)) is not None:
            builder.add(checking, "transfer", Decimal("2000.00"), on, payee="Transfer to savings", transfer_to=savings)
        if (on := day(27)) is not None:
            # Pay off what the card was used for since the last payment, as careful people do.
            builder.add(checking, "transfer", builder.take_spending(card), on, payee="Card payment", transfer_to=card)
        if (on := day(2)) is not None:
            cash = (builder.take_spending(wallet) / 20).to_integral_value(rounding=ROUND_CEILING) * 20
            builder.add(checking, "transfer", cash, on, payee="ATM withdrawal", transfer_to=wallet)
        if m in (3, 6, 9, 12) and (on := day(28)) is not None:
            builder.add(
                savings, "income", _money(rng, 8, 25), on, payee="First Community Bank", category=cat("Interest")
            )

        # Everyday spending, a little more in December; a month still under way has had only its days' share.
        count = (everyday + (everyday // 4 if m == 12 else 0)) * last // _days(y, m)
        for _ in range(count):
            merchant = rng.choice(DAILY)
            on = date(y, m, rng.randint(1, last))
            paid_with = card if rng.random() < 0.6 else checking if rng.random() < 0.8 else wallet
            amount = _money(rng, merchant.low, merchant.high)
            tag_list = (
                [tags["family"]] if merchant.category in ("Groceries", "Dining out") and rng.random() < 0.2 else []
            )
            if merchant.payee == "Target" and rng.random() < 0.3 and amount >= Decimal("20"):
                first = (amount * Decimal("0.6")).quantize(CENT)
                builder.add(
                    paid_with,
                    "expense",
                    amount,
                    on,
                    payee=merchant.payee,
                    tags=tag_list,
                    splits=[(cat("Groceries"), first), (cat("Household goods"), amount - first)],
                )
            else:
                builder.add(
                    paid_with,
                    "expense",
                    amount,
                    on,
                    payee=merchant.payee,
                    category=cat(merchant.category),
                    tags=tag_list,
                )
        if m == 12:
            for _ in range(4):
                if (on := day(rng.randint(1, min(24, last)))) is not None:
                    builder.add(
                        card,
                        "expense",
                        _money(rng, 25, 180),
                        on,
                        payee="Gift shop",
                        category=cat("Gifts and donations"),
                    )
        # A summer trip abroad, paid from the second-currency account.
        if m in (7, 8) and rng.random() < 0.7:
            trip_start = rng.randint(1, max(1, last - 7))
            for offset in range(7):
                if (on := day(trip_start + offset)) is None:
                    break
                for merchant in rng.sample(EURO_TRIP, 2):
                    builder.add(
                        travel,
                        "expense",
                        _money(rng, merchant.low, merchant.high),
                        on,
                        payee=merchant.payee,
                        category=cat(merchant.category),
                        tags=[tags["vacation"]],
                    )
            if (on := day(max(1, trip_start - 3))) is not None:
                builder.add(
                    checking, "expense", _money(rng, 450, 1100), on, payee="United Airlines", category=cat("Flights")
                )
            # Top the travel account up with what the trip cost, at that day's rate.
            if (on := day(min(last, trip_start + 8))) is not None:
                spent = builder.take_spending(travel)
                rate = builder.rates.get(travel.currency, base, on)
                cost = rate.convert(spent).quantize(CENT) if rate else spent
                builder.add(
                    checking,
                    "transfer",
                    cost,
                    on,
                    payee="Top-up travel account",
                    transfer_to=travel,
                    transfer_amount=spent,
                )
        if (on := day(10)) is not None and rng.random() < 0.15:
            builder.add(
                checking,
                "income",
                _money(rng, 150, 900),
                on,
                payee="Freelance client",
                category=cat("Other income"),
                tags=[tags["work"]],
            )
    builder.flush()
    if connection.vendor == "postgresql":
        # A bulk load leaves the planner without statistics: the transaction list would then be
        # planned as a scan and sort of the whole household instead of a walk of its keyset index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_transaction, ledger_split, ledger_transactiontag")
    write_aggregates(household.id, expected := recompute(household.id))
    for account_id, value in expected.balances.items():
        Account.objects.filter(pk=account_id).update(balance=value)
    bump_household_version(household.id)
    return builder.count


def per_month_for(total: int, years: int) -> int:
    """Everyday purchases a month that give about ``total`` transactions over ``years``."""
    fixed_per_month = 17
    return max(1, round(total / (years * 12)) - fixed_per_month)
