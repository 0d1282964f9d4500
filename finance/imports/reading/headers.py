"""Header names as data: which column headers say which role, in the languages bank exports are written in.

Names are compared after :func:`normalize_header` (accents and punctuation removed, lower case). A header
that is exactly a name counts with the name's strength; one that starts with a name of four or more
letters and a space ("Amount (EUR)", "Betrag in EUR") with 0.8 of it.
"""

from __future__ import annotations

import re
import unicodedata

#: A name that says the role.
STRONG = 1.0
#: A more general name: a column with a stronger name for the role wins over it.
WEAK = 0.85

#: Per column role: the header names that say it, by strength.
HEADER_NAMES: dict[str, dict[float, tuple[str, ...]]] = {
    "date": {
        STRONG: (
            "date",
            "transaction date",
            "trans date",
            "txn date",
            "booking date",
            "book date",
            "buchungstag",
            "buchungsdatum",
            "datum",
            "date operation",
            "date de l operation",
            "date d operation",
            "fecha",
            "fecha operacion",
            "data",
            "data operazione",
            "journaldate",
            "journal date",
            "boekdatum",
            "transactiedatum",
            "date de comptabilisation",
            "completed date",
        ),
        WEAK: (
            "posting date",
            "created",
            "created at",
            "date time",
            "datetime",
            "started date",
            "order date",
        ),
    },
    "posted_date": {
        STRONG: (
            "posted date",
            "post date",
            "value date",
            "valuta",
            "valutadatum",
            "wertstellung",
            "wertstellungsdatum",
            "date de valeur",
            "fecha valor",
            "data valuta",
            "data do balancete",
            "settlement date",
            "rentedatum",
        ),
        WEAK: ("posting date",),
    },
    "amount": {
        STRONG: (
            "amount",
            "betrag",
            "montant",
            "importe",
            "valor",
            "bedrag",
            "importo",
            "amt",
            "net amount",
            "netamount",
            "transaction amount",
            "umsatz",
            "kwota",
            "belopp",
            "beløb",
            "belob",
            "summa",
            "montant de l operation",
        ),
        # PayPal-style exports have Gross, Fee and Net: Net is what moved the balance.
        0.87: ("net",),
        WEAK: (
            "total",
            "value",
            "sum",
        ),
        0.83: ("gross",),
    },
    "debit": {
        STRONG: (
            "debit",
            "debits",
            "withdrawal",
            "withdrawals",
            "paid out",
            "money out",
            "debit amount",
            "amount debit",
            "soll",
            "debe",
            "cargo",
            "cargos",
            "outflow",
            "spent",
            "uitgaven",
            "ausgang",
        ),
        WEAK: ("out",),
    },
    "credit": {
        STRONG: (
            "credit",
            "credits",
            "deposit",
            "deposits",
            "paid in",
            "money in",
            "credit amount",
            "amount credit",
            "haben",
            "haber",
            "abono",
            "abonos",
            "inflow",
            "received",
            "inkomsten",
            "eingang",
        ),
        WEAK: ("in",),
    },
    "direction": {
        STRONG: (
            "debit credit",
            "credit debit",
            "d c",
            "c d",
            "dc",
            "cr dr",
            "dr cr",
            "af bij",
            "credit debit indicator",
            "soll haben",
            "sens",
            "balance impact",
        ),
        WEAK: (
            "transaction type",
            "type",
            "direction",
        ),
    },
    "balance": {
        STRONG: (
            "balance",
            "running balance",
            "runningbalance",
            "kontostand",
            "solde",
            "saldo",
            "ending balance",
            "balance after",
            "new balance",
            "saldo nach buchung",
            "available balance",
        ),
    },
    "currency": {
        STRONG: (
            "currency",
            "ccy",
            "curr",
            "currency code",
            "wahrung",
            "devise",
            "monn",
            "moneda",
            "waehrung",
            "munt",
        ),
    },
    "payee": {
        STRONG: (
            "payee",
            "name",
            "merchant",
            "merchant name",
            "beneficiary",
            "counterparty",
            "counter party",
            "partner name",
            "auftraggeber empfanger",
            "empfanger",
            "auftraggeber",
            "beguenstigter zahlungspflichtiger",
            "begunstigter zahlungspflichtiger",
            "recipient",
            "payer",
            "store name",
            "naam tegenrekening",
            "naam omschrijving",
            "nom",
            "nombre",
            "beneficiario",
            "description payee",
        ),
    },
    "description": {
        STRONG: (
            "description",
            "desc",
            "details",
            "narrative",
            "libelle",
            "verwendungszweck",
            "reason",
            "summary",
            "historico",
            "text",
            "transaction description",
            "purpose",
            "omschrijving",
            "mededelingen",
            "concepto",
            "beschreibung",
            "particulars",
            "transaction details",
            "payment details",
            "items",
            "libelle operation",
            "descripcion",
            "descrizione",
        ),
        WEAK: ("memo",),
    },
    "notes": {
        STRONG: (
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "memo",
            "additional description",
            "detail de l ecriture",
            "notiz",
            "bemerkung",
            "message",
            "mitteilung",
            "additional info",
        ),
        WEAK: (
            "original description",
            "additional information",
        ),
    },
    "reference": {
        STRONG: (
            "reference",
            "ref",
            "reference id",
            "transaction reference",
            "payment reference",
            "sepa reference",
            "numero du document",
            "numero do documento",
            "client reference",
            "end to end reference",
            "referenz",
            "kundenreferenz",
            "order id",
            "reference number",
            "ref no",
            "invoice number",
        ),
    },
    "provider_id": {
        STRONG: (
            "transaction id",
            "fitid",
            "transaction number",
            "n de transaction",
            "transaction no",
            "id",
        ),
    },
    "check_number": {
        STRONG: (
            "check number",
            "checknumber",
            "check",
            "check no",
            "check num",
            "cheque number",
            "cheque no",
            "num",
            "chk",
        ),
    },
    "category": {
        STRONG: (
            "category",
            "kategorie",
            "categorie",
            "categoria",
            "class",
            "categories",
        ),
    },
    "status": {
        STRONG: (
            "status",
            "state",
            "transaction status",
        ),
    },
    "transaction_type": {
        STRONG: (
            "type",
            "transaction type",
            "buchungstext",
            "posting text",
            "trntype",
            "transaction code",
            "code",
        ),
    },
}

#: Numbered text columns joined as the description ("VWZ1", "VWZ2", "Description 1", ...).
NUMBERED_DESCRIPTION_RE = re.compile(r"^(vwz|description|verwendungszweck|libelle|text|memo|details)\s*\d{1,2}$")
#: A currency named in a money column's header: "Amount (EUR)", "Betrag [EUR]", "Amount in USD".
CURRENCY_IN_HEADER_RE = re.compile(r"\(([A-Z]{3})\)|\[([A-Z]{3})\]|\bin ([A-Z]{3})\b")

_STRENGTHS: dict[str, tuple[tuple[str, float], ...]] = {
    role: tuple((name, strength) for strength, names in by_strength.items() for name in names)
    for role, by_strength in HEADER_NAMES.items()
}


def normalize_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"[^0-9a-zß]+", " ", text)
    return " ".join(text.split())


def header_strength(role: str, normalized: str) -> float:
    """How strongly a normalized header says ``role``: 0 when it does not."""
    best = 0.0
    for synonym, strength in _STRENGTHS[role]:
        if normalized == synonym:
            best = max(best, strength)
        elif normalized.startswith(synonym + " ") and len(synonym) >= 4:
            best = max(best, strength * 0.8)
    return best
