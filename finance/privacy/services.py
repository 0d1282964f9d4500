"""Privacy writes: data exports, restoring an export, account deletion, anonymized copies."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Case, IntegerField, Q, When
from django.utils import timezone

from finance.audit.models import AuditAction, AuditEvent, audit_purge
from finance.audit.services import audit_record
from finance.core.cache import bump_household_version
from finance.core.exceptions import Conflict, FieldError, NotFound
from finance.households.models import OWNER_ROLES, Household, HouseholdOwned, Membership, Role
from finance.households.services import require_role
from finance.ledger import services as ledger
from finance.ledger.models import AccountType, Transaction
from finance.privacy import archive, selectors
from finance.privacy.errors import ErrorCode
from finance.privacy.models import AccountDeletion, DataExport, ExportStatus
from finance.privacy.pseudonyms import Pseudonymizer
from finance.privacy.registry import RestoreContext, python_value, restore_flat
from finance.privacy.registry import resources as registered_resources
from finance.users import selectors as user_selectors
from finance.users import services as user_services
from finance.users.models import SignInAttempt, User

logger = logging.getLogger("finance.privacy")
DOWNLOAD_SALT = "finance.privacy.export-download"
MAX_EXPORTS_IN_FLIGHT = 1
# An export still pending or running after this long was lost (a worker died): it no longer blocks new ones.
EXPORT_STALE_AFTER = timedelta(hours=1)


# Exports ---------------------------------------------------------------------------------------


def export_data(*, user: Any, households: Iterable[Household] | None = None) -> dict[str, Any]:
    """Everything the user can see, as JSON-ready records per registered resource."""
    chosen = list(households) if households is not None else list(Household.objects.for_member(user).distinct())
    return {resource.name: resource.export(user, chosen) for resource in registered_resources()}


@transaction.atomic
def export_request(*, user: Any) -> DataExport:
    """Start building an export of everything the user can see (a Celery task, after commit)."""
    from finance.privacy.tasks import build_export

    in_flight = DataExport.objects.filter(
        user=user,
        status__in=[ExportStatus.PENDING, ExportStatus.RUNNING],
        created_at__gte=timezone.now() - EXPORT_STALE_AFTER,
    )
    if in_flight.count() >= MAX_EXPORTS_IN_FLIGHT:
        raise Conflict("An export is already being built; wait for it to finish.", code=ErrorCode.EXPORT_IN_PROGRESS)
    export = DataExport.objects.create(user=user)
    audit_record(action=AuditAction.EXPORT_REQUEST, actor=user, target=export)
    export_id = str(export.pk)
    # robust: a broker outage leaves the export pending (listed as such), not the request failed.
    transaction.on_commit(lambda: build_export.delay(export_id=export_id), robust=True)
    return export


def export_build(*, export_id: Any) -> DataExport | None:
    """Build the ZIP of one requested export and keep it under MEDIA_ROOT until it expires."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("user")
            .filter(pk=export_id, status=ExportStatus.PENDING)
            .first()
        )
        if export is None:
            return None
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status"])
    try:
        created = timezone.now()
        data = export_data(user=export.user)
        with tempfile.TemporaryFile() as spool:
            counts = archive.write_archive(spool, data=data, user=export.user, created_at=created)
            spool.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: spool.read(1 << 20), b""):
                digest.update(chunk)
            size = spool.tell()
            spool.seek(0)
            stamp = created.strftime("%Y%m%d-%H%M%S")
            name = default_storage.save(f"exports/{export.user_id}/{stamp}-{export.pk}.zip", File(spool))
    except Exception as exc:
        logger.exception("export failed", extra={"event": "export_failed", "export_id": str(export.pk)})
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__[:500]
        )
        raise
    now = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY,
        finished_at=now,
        expires_at=now + settings.EXPORT_RETENTION,
        file=name,
        size=size,
        sha256=digest.hexdigest(),
        counts=counts,
    )
    export.refresh_from_db()
    return export


def export_download_token(*, export: DataExport) -> str:
    """A signed token for the export's download link; it works for ``EXPORT_LINK_MAX_AGE``."""
    return signing.dumps({"e": str(export.pk), "u": str(export.user_id)}, salt=DOWNLOAD_SALT, compress=True)


def export_for_download(*, export_id: Any, token: str) -> DataExport:
    """The export a download link names, after checking its signature, age and the file's state."""
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT, max_age=settings.EXPORT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise Conflict(
            "This download link has expired; list your exports for a new one.", code=ErrorCode.LINK_EXPIRED
        ) from None
    except signing.BadSignature:
        raise NotFound("Export not found.") from None
    if payload.get("e") != str(export_id):
        raise NotFound("Export not found.")
    export = selectors.export_downloadable(user_id=payload.get("u"), export_id=export_id)
    if export is None:
        raise NotFound("Export not found.")
    return export


def export_open(*, export: DataExport, request: Any = None) -> IO[bytes]:
    """Open the export's file for streaming; the download is audited."""
    audit_record(action=AuditAction.EXPORT_DOWNLOAD, actor=export.user_id, target=export, request=request)
    handle: IO[bytes] = default_storage.open(export.file, "rb")
    return handle


def _delete_files(exports: Iterable[DataExport]) -> None:
    for export in exports:
        if export.file:
            default_storage.delete(export.file)


def exports_purge_expired() -> int:
    """Delete the files of exports past ``expires_at`` (the rows stay, marked expired)."""
    expired = list(DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=timezone.now()))
    _delete_files(expired)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).update(status=ExportStatus.EXPIRED, file="")
    return len(expired)


# Restore ---------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    households: list[Household]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _restore_records(
    *, owner: Any, data: dict[str, Any], households: list[tuple[dict[str, Any], Household]], source_user_id: Any
) -> RestoreResult:
    """Recreate the registered resources of ``data`` in the new ``households`` (old record, new household)."""
    context = RestoreContext(
        owner=owner, households={str(old["id"]): new for old, new in households}, source_user_id=source_user_id
    )
    selected = set(context.ids["households"])
    result = RestoreResult(households=[new for _, new in households])
    known = {resource.name for resource in registered_resources()}
    result.skipped = sorted(name for name in data if name not in known)
    for resource in registered_resources():
        if not resource.restorable or resource.name not in data:
            continue
        records = data[resource.name]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise FieldError(
                "file", f"json/{resource.name}.json is not a list of records.", code=ErrorCode.INVALID_FILE
            )
        records = [r for r in records if "household" not in r or str(r["household"]) in selected]
        (resource.restore or restore_flat)(resource, records, context)
        result.counts[resource.name] = len(records)
    for household in result.households:
        ledger.transactions_restored(household=household)
    return result


def _new_household(*, owner: Any, name: str, base_currency: str) -> Household:
    household = Household.objects.create(name=name[:120] or "Restored household", base_currency=base_currency)
    has_default = Membership.objects.filter(user=owner, is_default=True).exists()
    Membership.objects.create(household=household, user=owner, role=Role.OWNER, is_default=not has_default)
    return household


@transaction.atomic
def export_restore(
    *,
    owner: Any,
    file: IO[bytes],
    household_ids: Iterable[str] | None = None,
    request: Any = None,
    max_unpacked: int | None = None,
) -> RestoreResult:
    """Recreate the households of an export (all, or those named) as new households owned by ``owner``.

    Every row gets a new id; balances and aggregates are rebuilt from the restored
    transactions. Members other than ``owner`` are not added (they are listed in the file).
    ``max_unpacked`` replaces ``RESTORE_MAX_UNPACKED_BYTES`` (the command's ``--max-unpacked-mib``).
    """
    manifest, data = archive.read_archive(file, max_unpacked=max_unpacked)
    rows = data.get("households")
    if not isinstance(rows, list) or not rows:
        raise FieldError("file", "The export contains no households.", code=ErrorCode.INVALID_FILE)
    wanted = {str(h) for h in household_ids} if household_ids else None
    chosen = [h for h in rows if isinstance(h, dict) and (wanted is None or str(h.get("id")) in wanted)]
    if wanted is not None and len(chosen) != len(wanted):
        raise FieldError("household", "The export has no household with this id.", code=ErrorCode.DOES_NOT_EXIST)
    pairs = []
    for i, record in enumerate(chosen):
        currency = python_value(Household, "base_currency", record.get("base_currency"), where=f"households[{i}]")
        name = str(record.get("name") or "")
        pairs.append((record, _new_household(owner=owner, name=name, base_currency=currency)))
    source = (manifest.get("user") or {}).get("id") if isinstance(manifest.get("user"), dict) else None
    result = _restore_records(owner=owner, data=data, households=pairs, source_user_id=source or "")
    for household in result.households:
        audit_record(
            action=AuditAction.DATA_IMPORT,
            actor=owner,
            household=household,
            target=household,
            changes={"export_created_at": manifest.get("created_at"), "counts": result.counts},
            request=request,
        )
    return result


# Anonymized copies -------------------------------------------------------------------------------

TEXT_FIELDS = ("payee", "description", "notes", "reference_number")


def _anonymize(data: dict[str, Any], pseudonym: Pseudonymizer) -> None:
    for txn in data.get("transactions", []):
        for name in TEXT_FIELDS:
            txn[name] = pseudonym(name, txn.get(name) or "")
        for part in txn.get("splits", []):
            part["description"] = pseudonym("description", part.get("description") or "")
    for tag in data.get("tags", []):
        tag["name"] = pseudonym("tag", tag.get("name") or "")
    numbers: dict[str, int] = {}
    for account in data.get("accounts", []):
        kind = account.get("type") or AccountType.OTHER
        numbers[kind] = numbers.get(kind, 0) + 1
        account["name"] = f"{AccountType(kind).label} {numbers[kind]}"
        account["institution"] = ""
        account["group"] = ""
    # Budgets and goals (when their app is installed): names generalized, notes pseudonymized.
    for label, resource in (("Budget", "budgets"), ("Goal", "goals")):
        for n, record in enumerate(data.get(resource, []), start=1):
            record["name"] = f"{label} {n}"
    for resource in ("budget_moves", "goal_contributions"):
        for record in data.get(resource, []):
            record["note"] = pseudonym("notes", record.get("note") or "")


@transaction.atomic
def household_anonymize(*, household: Household, actor: User) -> Household:
    """A copy of the household, owned by ``actor``, with payees, descriptions and notes pseudonymized.

    The same original text becomes the same pseudonym throughout the copy; account names
    are generalized ("Checking 1") and institutions dropped. The original is not touched.
    """
    require_role(household=household, actor=actor, roles=OWNER_ROLES)
    data = export_data(user=actor, households=[household])
    _anonymize(data, Pseudonymizer())
    copy = _new_household(
        owner=actor, name=f"Anonymized copy ({timezone.localdate():%Y-%m-%d})", base_currency=household.base_currency
    )
    record = {"id": str(household.pk)}
    _restore_records(owner=actor, data=data, households=[(record, copy)], source_user_id=actor.pk)
    audit_record(
        action=AuditAction.HOUSEHOLD_ANONYMIZE,
        actor=actor,
        household=household,
        target=copy,
        changes={"copy": copy.pk},
    )
    return copy


# Account deletion --------------------------------------------------------------------------------


@transaction.atomic
def account_deletion_request(*, user: Any, password: str, code: str = "") -> AccountDeletion:
    """Schedule the account's deletion after ``ACCOUNT_DELETION_GRACE``; signing in before then cancels it.

    Needs the password, and a second-factor code when 2FA is on. Every session and API
    token is ended now.
    """
    if not user.has_usable_password() or not user.check_password(password):
        raise FieldError("password", "The password is wrong.", code=ErrorCode.WRONG_PASSWORD)
    if user_selectors.user_two_factor_enabled(user=user):
        if not code.strip():
            raise FieldError("code", "Two-factor authentication is on: give a current code.", code=ErrorCode.REQUIRED)
        if not user_services.second_factor_check(user=user, code=code):
            raise FieldError("code", "The code is wrong or was already used.", code=ErrorCode.INVALID_CODE)
    if AccountDeletion.objects.filter(user=user).exists():
        raise Conflict("Deletion of this account is already scheduled.", code=ErrorCode.DELETION_PENDING)
    now = timezone.now()
    deletion = AccountDeletion.objects.create(
        user=user, requested_at=now, purge_after=now + settings.ACCOUNT_DELETION_GRACE
    )
    audit_record(
        action=AuditAction.DELETION_REQUEST,
        actor=user,
        target=user,
        changes={"purge_after": deletion.purge_after},
    )
    user_services.sessions_revoke_all(user=user, reason="account_deletion")
    for token in user_selectors.access_token_list(user=user):
        user_services.access_token_revoke(user=user, token_id=token.pk)
    return deletion


@transaction.atomic
def account_deletion_cancel(*, user_id: uuid.UUID) -> bool:
    """Cancel a scheduled deletion (signing in does this); False when none was scheduled."""
    deleted, _ = AccountDeletion.objects.filter(user_id=user_id).delete()
    if deleted:
        audit_record(
            action=AuditAction.DELETION_CANCEL,
            actor=user_id,
            target_type=get_user_model()._meta.label_lower,
            target_id=user_id,
        )
    return bool(deleted)


def _successor(household: Household, leaving: Any) -> Membership | None:
    """Who takes over a household its only owner leaves: the longest-standing editor, else viewer."""
    rank = Case(When(role=Role.EDITOR, then=0), When(role=Role.VIEWER, then=1), default=2, output_field=IntegerField())
    return (
        Membership.objects.select_for_update()
        .filter(household=household)
        .exclude(user=leaving)
        .annotate(rank=rank)
        .order_by("rank", "joined_at", "id")
        .first()
    )


def _stored_files(household: Household) -> list[tuple[Any, str]]:
    """Files that household rows keep in storage (uploaded statements): (storage, name) pairs."""
    found: list[tuple[Any, str]] = []
    for model in apps.get_models():
        if not issubclass(model, HouseholdOwned):
            continue
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if not file_fields:
            continue
        rows = model._default_manager.filter(household=household).values_list(*(f.attname for f in file_fields))
        for row in rows:
            found.extend((f.storage, name) for f, name in zip(file_fields, row, strict=True) if name)
    return found


def household_purge(*, household: Household) -> None:
    """Delete a household and everything in it, stored files included.

    Transactions go first: accounts and categories protect them. Files are
    deleted once the deletion has committed.
    """
    files = _stored_files(household)
    Transaction.objects.filter(household=household).delete()
    household.delete()

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files, robust=True)


@transaction.atomic
def account_purge(*, user: Any) -> dict[str, int]:
    """Delete the user and their personal data for good.

    Households where they were the only member go with them. Shared households stay with
    the other members; if the user was their only owner, the longest-standing editor (else
    viewer) becomes owner. Their audit events in shared households stay, without actor,
    address or device; every other event of theirs is deleted.
    """
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    removed: list[uuid.UUID] = []
    kept: list[uuid.UUID] = []
    for membership in list(Membership.objects.select_related("household").filter(user=user)):
        household = membership.household
        others = Membership.objects.filter(household=household).exclude(user=user)
        if not others.exists():
            household_purge(household=household)
            removed.append(household.pk)
            continue
        kept.append(household.pk)
        other_owner = others.filter(role=Role.OWNER).exists()
        if membership.role == Role.OWNER and not other_owner:
            successor = _successor(household, user)
            assert successor is not None
            old_role = successor.role
            successor.role = Role.OWNER
            successor.save(update_fields=["role"])
            audit_record(
                action=AuditAction.OWNERSHIP_TRANSFER,
                actor=None,
                household=household,
                target=successor,
                changes={"user": successor.user_id, "role": [old_role, Role.OWNER], "reason": "account_deleted"},
            )
        membership.delete()
        bump_household_version(household.pk)
    _delete_files(DataExport.objects.filter(user=user))
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    OutstandingToken.objects.filter(user=user).delete()

    # Failed sign-ins typed with the name or address but recorded without a user keep raw text.
    names = {user.username.lower(), user.email.lower()} - {""}
    SignInAttempt.objects.filter(user__isnull=True, identifier__in=names).delete()
    with audit_purge():
        mine = AuditEvent.objects.filter(actor=user)
        mine.filter(household_id__in=kept).update(actor=None, ip=None, user_agent="")
        mine.filter(~Q(household_id__in=kept) | Q(household__isnull=True)).delete()
        AuditEvent.objects.filter(household_id__in=removed).delete()
    user_id = user.pk
    avatar = user.avatar.name or ""
    user.delete()
    if avatar:  # the profile picture's file goes once the deletion has committed
        transaction.on_commit(lambda: default_storage.delete(avatar), robust=True)
    audit_record(
        action=AuditAction.ACCOUNT_PURGE,
        actor=None,
        target_type="users.user",
        target_id=user_id,
        changes={"households_deleted": len(removed), "households_kept": len(kept)},
    )
    return {"households_deleted": len(removed), "households_kept": len(kept)}


def accounts_purge_due(*, now: datetime | None = None) -> int:
    """Purge every account whose deletion grace period is over; returns how many."""
    due = AccountDeletion.objects.filter(purge_after__lte=now or timezone.now()).values_list("user_id", flat=True)
    User = get_user_model()
    count = 0
    for user_id in list(due):
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            account_purge(user=user)
            count += 1
    return count
