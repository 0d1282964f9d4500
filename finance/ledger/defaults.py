"""The category tree every new household starts with."""

from __future__ import annotations

DEFAULT_CATEGORIES: dict[str, list[tuple[str, list[str]]]] = {
    "income": [
        ("Salary", []),
        ("Bonus", []),
        ("Interest", []),
        ("Dividends", []),
        ("Gifts received", []),
        ("Refunds", []),
        ("Other income", []),
    ],
    "expense": [
        ("Housing", ["Rent", "Mortgage", "Maintenance", "Home insurance"]),
        ("Utilities", ["Electricity", "Gas", "Water", "Internet", "Phone"]),
        ("Food", ["Groceries", "Dining out", "Coffee"]),
        ("Transport", ["Fuel", "Public transport", "Taxi", "Parking", "Car maintenance"]),
        ("Shopping", ["Clothing", "Electronics", "Household goods"]),
        ("Health", ["Pharmacy", "Doctor", "Health insurance", "Fitness"]),
        ("Entertainment", ["Streaming", "Events", "Hobbies", "Books"]),
        ("Subscriptions", []),
        ("Travel", ["Flights", "Accommodation", "Holiday spending"]),
        ("Education", []),
        ("Personal care", []),
        ("Gifts and donations", []),
        ("Fees and charges", []),
        ("Taxes", []),
        ("Kids", []),
        ("Pets", []),
        ("Other expense", []),
    ],
}
