"""The invitation message: rendered and sent through the identity mail (``finance.users.mail``).

The service schedules it after commit with the invitation's id only, whether or not the identifier
matched anyone (so a request takes the same path either way); the task finds the recipient and
builds the link when it sends, so the link's secret never sits in the broker.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats

from finance.households import links
from finance.households.models import Invitation, InvitationStatus
from finance.users import mail


def invitation_recipient(invitation: Invitation) -> str:
    """Where the link goes: the invited account's address, else the address typed; ``""`` for nobody."""
    if invitation.invitee_id is not None:
        invitee = invitation.invitee
        return invitee.email if invitee is not None and invitee.is_active else ""
    return invitation.email


def invitation_message(invitation: Invitation) -> EmailMessage | None:
    """The message for a pending invitation with someone to send it to, else ``None``."""
    if invitation.current_status != InvitationStatus.PENDING:
        return None
    to = invitation_recipient(invitation)
    if not to:
        return None
    inviter = invitation.invited_by
    return mail.render(
        to=to,
        subject=f"an invitation to “{invitation.household.name}”",
        template="households/email/invitation.txt",
        context={
            "inviter": (inviter.get_full_name() or inviter.username) if inviter is not None else "",
            "household": invitation.household.name,
            "role": invitation.get_role_display(),
            "link": mail.link(f"/app/invitations/{invitation.pk}/", token=links.invitation_token(invitation)),
            "expires": formats.date_format(invitation.expires_at, "DATE_FORMAT", use_l10n=False),
        },
    )


def send_after_commit(invitation: Invitation) -> None:
    from finance.households.tasks import send_invitation_email  # the tasks module imports this one

    invitation_id = str(invitation.pk)
    # robust: a mail server outage is logged, it does not fail a request that already committed.
    transaction.on_commit(lambda: send_invitation_email.delay(invitation_id=invitation_id), robust=True)
