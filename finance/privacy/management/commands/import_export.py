"""Restore a data export: ``manage.py import_export FILE [--owner USERNAME] [--household ID ...]``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.core.exceptions import DomainError
from finance.ledger.verify import verify
from finance.privacy.services import export_restore


class Command(BaseCommand):
    help = (
        "Recreate the households of a data export ZIP (made by POST /api/v1/privacy/export/) as new "
        "households owned by --owner (default: the user who made the export, by username). Balances and "
        "aggregates are rebuilt and checked. This is the restore half of backup/restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The export ZIP.")
        parser.add_argument("--owner", help="Username of the owner of the restored households.")
        parser.add_argument(
            "--household", action="append", default=None, help="Only this household of the export (repeatable)."
        )
        parser.add_argument(
            "--max-unpacked-mib",
            type=int,
            default=None,
            help="Most the ZIP may unpack to, in MiB (default: the RESTORE_MAX_UNPACKED_BYTES setting); the "
            "restore holds a few times this in memory.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from finance.privacy import archive

        path = options["file"]
        mib = options["max_unpacked_mib"]
        max_unpacked = mib * 1024 * 1024 if mib is not None else None
        try:
            with open(path, "rb") as handle:
                manifest, _ = archive.read_archive(handle, max_unpacked=max_unpacked)
                username = options["owner"] or (manifest.get("user") or {}).get("username")
                owner = get_user_model().objects.filter(username__iexact=username or "").first()
                if owner is None:
                    raise CommandError(f"No user named {username!r}; create it first or pass --owner.")
                handle.seek(0)
                result = export_restore(
                    owner=owner, file=handle, household_ids=options["household"], max_unpacked=max_unpacked
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except DomainError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for household in result.households:
            drift = verify(household.id)
            if drift:
                raise CommandError(f"{household.name}: derived data differs after the restore: {drift[0]}")
            self.stdout.write(f"restored {household.name} ({household.pk}) for {owner.username}")
        counts = ", ".join(f"{name} {n}" for name, n in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"done: {counts}"))
        if result.skipped:
            self.stdout.write(f"not restored (unknown here): {', '.join(result.skipped)}")
