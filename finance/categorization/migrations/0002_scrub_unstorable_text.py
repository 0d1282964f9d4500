"""Rules saved before text was checked at the door may hold a lone surrogate or a NUL in a condition's value
(JSON kept it escaped, so SQLite stored it); no response can encode one, so the rules list failed for the
household and the rule could not be deleted. Each such character becomes U+FFFD (the replacement character),
which the person can see and edit."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import migrations

# A lone surrogate, raw in JSON text written with ensure_ascii=False; a NUL, which JSON text writes as \u0000.
_UNSTORABLE = re.compile(r"[\ud800-\udfff]|(?<!\\)\\u0000")


def _scrub(value: Any) -> Any:
    # Through JSON text rather than a walk of its own: as deep as the stored value is, no Python recursion.
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(_UNSTORABLE.sub("\ufffd", text)) if _UNSTORABLE.search(text) else value


def scrub_rules(apps: Any, schema_editor: Any) -> None:
    Rule = apps.get_model("categorization", "Rule")
    for rule in Rule.objects.only("id", "name", "conditions", "actions").iterator(chunk_size=500):
        cleaned = {name: _scrub(getattr(rule, name)) for name in ("name", "conditions", "actions")}
        if any(cleaned[name] != getattr(rule, name) for name in cleaned):
            Rule.objects.filter(pk=rule.pk).update(**cleaned)


class Migration(migrations.Migration):
    dependencies = [("categorization", "0001_initial")]

    operations = [migrations.RunPython(scrub_rules, migrations.RunPython.noop)]
