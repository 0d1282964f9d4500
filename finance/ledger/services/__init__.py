"""Every write to the ledger: accounts, categories, tags and transactions.

Each service runs in one database transaction, validates with field-level
errors, keeps balances and monthly aggregates exact through
:mod:`finance.ledger.effects` (``apply_change``: derived data, cache version,
the ``TransactionsChanged`` event), and takes typed inputs
(:mod:`finance.ledger.inputs`). One module per kind of write; this package
re-exports them, so callers write ``services.transaction_create``.
"""

from finance.ledger.services._common import MAX_BULK, MAX_SPLITS, MAX_TAGS
from finance.ledger.services.accounts import (
    ACCOUNT_FIELDS,
    account_create,
    account_default,
    account_delete,
    account_update,
)
from finance.ledger.services.batches import (
    LOAD_CHUNK,
    LOAD_FROM_FIELDS,
    NewTransaction,
    transaction_bulk_create,
    transaction_bulk_delete,
    transaction_bulk_update,
    transactions_delete_where,
    transactions_insert,
    transactions_load,
    transactions_load_from,
    transactions_reconvert,
    transactions_restored,
)
from finance.ledger.services.categories import (
    categories_create_defaults,
    category_by_name,
    category_create,
    category_delete,
    category_in_use,
    category_update,
)
from finance.ledger.services.tags import tag_create, tag_delete, tag_update, tags_for_names
from finance.ledger.services.transactions import Prepared, transaction_create, transaction_delete, transaction_update

__all__ = [
    "ACCOUNT_FIELDS",
    "LOAD_CHUNK",
    "LOAD_FROM_FIELDS",
    "MAX_BULK",
    "MAX_SPLITS",
    "MAX_TAGS",
    "NewTransaction",
    "Prepared",
    "account_create",
    "account_default",
    "account_delete",
    "account_update",
    "categories_create_defaults",
    "category_by_name",
    "category_create",
    "category_delete",
    "category_in_use",
    "category_update",
    "tag_create",
    "tag_delete",
    "tag_update",
    "tags_for_names",
    "transaction_bulk_create",
    "transaction_bulk_delete",
    "transaction_bulk_update",
    "transaction_create",
    "transaction_delete",
    "transaction_update",
    "transactions_delete_where",
    "transactions_insert",
    "transactions_load",
    "transactions_load_from",
    "transactions_reconvert",
    "transactions_restored",
]
