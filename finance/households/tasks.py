import smtplib

from celery import shared_task

from finance.households.mail import invitation_message
from finance.households.models import Invitation


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_invitation_email(*, invitation_id: str) -> bool:
    """Send an invitation's link (made now) to its recipient, if it is still pending and has one."""
    invitation = (
        Invitation.objects.select_related("household", "invitee", "invited_by").filter(pk=invitation_id).first()
    )
    message = invitation_message(invitation) if invitation is not None else None
    if message is None:
        return False
    message.send(fail_silently=False)
    return True
