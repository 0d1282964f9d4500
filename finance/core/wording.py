"""English wording of messages built around a word the code chooses: its article and its plural.

Service messages and schema summaries name things from values (``f"A {kind} needs …"`` with
``kind = "income"`` read "A income needs a income category"). Build them with these instead:
``f"{capitalized(article(kind))} needs {article(kind)} category."`` reads "An income needs an
income category."; ``f"List {plural('category')}"`` reads "List categories".
"""

from __future__ import annotations

# Words written with a vowel but said with a consonant sound take "a"; with a silent h, "an".
_A_BEFORE = ("one", "once", "uni", "usa", "use", "usu", "uti", "eu", "ewe")
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")


def article(word: str) -> str:
    """``word`` with its indefinite article: "an income", "an uploaded", "a budget", "a user"."""
    lowered = word.lower()
    if lowered.startswith(_AN_BEFORE):
        return f"an {word}"
    if lowered.startswith(_A_BEFORE):
        return f"a {word}"
    return f"an {word}" if lowered[:1] in set("aeiou") else f"a {word}"


def capitalized(text: str) -> str:
    """``text`` with its first letter upper-case (the rest as it is, unlike ``str.capitalize``)."""
    return text[:1].upper() + text[1:]


def plural(noun: str) -> str:
    """The regular English plural: "categories", "accounts", "batches", "days"."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return f"{noun}es"
    if noun.endswith("y") and noun[-2:-1] not in set("aeiou"):
        return f"{noun[:-1]}ies"
    return f"{noun}s"
