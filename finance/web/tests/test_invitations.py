"""The web app's invitations: owners invite and withdraw on the household page, invitees accept or decline.

The defect these pin: the household page's "Add member" form made anyone a member at once and told the
owner whether the username or address had an account.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from finance.households.models import Invitation, InvitationStatus, Membership
from finance.households.tests.conftest import clock, committed, mailbox
from finance.users.tests.factories import MembershipFactory, UserFactory

__all__ = ["clock", "committed", "mailbox"]

pytestmark = pytest.mark.django_db


def invite(client: Client, identifier: str, role: str = "editor") -> Any:
    return client.post(
        reverse("web:household"), {"invite_member": "1", "identifier": identifier, "role": role}, follow=True
    )


def test_the_page_says_the_same_whoever_is_invited_and_adds_nobody(roles, web_client):
    sam = UserFactory(username="sam", email="sam.private@example.com")
    owner = web_client(roles.users["owner"])
    pages = [invite(owner, who) for who in ("sam", "sam.private@example.com", "nobody-here", "nobody@example.com")]
    notices = []
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        notices.append("Invitation sent. Whoever it names can accept it; nobody joins before they do." in text)
        assert "No user with" not in text
    assert notices == [True] * 4
    assert not Membership.objects.filter(household=roles.household, user=sam).exists()
    # The owners' table shows what they typed, never the address an account has.
    table = pages[-1].content.decode().split('id="invitations-heading"')[1].split("</section>")[0]
    for typed in ("sam", "nobody-here", "nobody@example.com"):
        assert f"{typed}" in table
    assert table.count("/revoke/") == 3  # the second invitation of sam replaced the first
    assert "Withdrawn" in table
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() == 3


def test_bad_input_is_shown_on_the_field_and_creates_nothing(roles, web_client):
    owner = web_client(roles.users["owner"])
    page = owner.post(reverse("web:household"), {"invite_member": "1", "identifier": "", "role": "admin"})
    assert page.status_code == 200
    assert not Invitation.objects.exists()
    member = owner.post(
        reverse("web:household"),
        {"invite_member": "1", "identifier": roles.users["viewer"].username, "role": "viewer"},
    )
    assert "This person is already a member of the household." in member.content.decode()
    assert not Invitation.objects.exists()


def test_only_owners_invite_and_see_invitations(roles, web_client):
    Invitation.objects.create(
        household=roles.household, identifier="secret@example.com", expires_at="2999-01-01T00:00:00Z"
    )
    editor = web_client(roles.users["editor"])
    page = editor.get(reverse("web:household")).content.decode()
    assert "secret@example.com" not in page
    assert 'name="invite_member"' not in page
    refused = editor.post(
        reverse("web:household"), {"invite_member": "1", "identifier": "x@example.com", "role": "viewer"}
    )
    assert refused.status_code == 403
    assert Invitation.objects.count() == 1


def test_the_invitee_accepts_from_the_invitations_page_and_works_in_the_household(roles, web_client):
    sam = MembershipFactory(user__username="sam", is_default=True).user
    invite(web_client(roles.users["owner"]), "sam")
    invitation = Invitation.objects.get()
    browser = web_client(sam)
    listing = browser.get(reverse("web:invitations"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert f"invites you to “{roles.household.name}” as Editor." in text
    assert not Membership.objects.filter(household=roles.household, user=sam).exists()

    done = browser.post(reverse("web:invitation-accept", args=[invitation.pk]), follow=True)
    assert done.status_code == 200
    assert f"You joined “{roles.household.name}”." in done.content.decode()
    assert Membership.objects.get(household=roles.household, user=sam).role == "editor"
    # The page now works in the new household.
    assert roles.household.name in browser.get(reverse("web:household")).content.decode()
    again = browser.post(reverse("web:invitation-accept", args=[invitation.pk]), follow=True)
    assert "This invitation was already answered or withdrawn." in again.content.decode()


def test_declining_adds_nobody(roles, web_client):
    sam = UserFactory(username="sam")
    invite(web_client(roles.users["owner"]), "sam")
    invitation = Invitation.objects.get()
    page = web_client(sam).post(reverse("web:invitation-decline", args=[invitation.pk]), follow=True)
    assert "Invitation declined." in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(household=roles.household, user=sam).exists()


def test_the_emailed_link_asks_to_sign_in_then_shows_the_invitation(roles, web_client, mailbox, committed):
    owner = web_client(roles.users["owner"])
    committed(invite, owner, "new.person@example.com")
    link = next(word for word in mailbox.last().get_content().split() if word.startswith("http"))
    path = urlparse(link).path + "?" + urlparse(link).query

    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("web:login"))

    newbie = UserFactory(username="newbie", email="newbie@elsewhere.example")  # signed up with another address
    browser = web_client(newbie)
    page = browser.get(path)
    assert page.status_code == 200
    assert f"Join “{roles.household.name}”?" in page.content.decode()
    invitation = Invitation.objects.get()
    token = parse_qs(urlparse(link).query)["token"][0]
    assert f'value="{token}"' in page.content.decode()
    # Without the link, the invitation is nobody's business.
    assert browser.get(reverse("web:invitation", args=[invitation.pk])).status_code == 404
    assert browser.post(reverse("web:invitation-accept", args=[invitation.pk])).status_code == 404
    assert web_client(roles.users["viewer"]).get(path).status_code == 200  # anyone with the link sees it …
    browser.post(reverse("web:invitation-accept", args=[invitation.pk]), {"token": token})
    assert Membership.objects.filter(household=roles.household, user=newbie).exists()
    # … until someone answers it: from then on it is theirs alone.
    late = web_client(roles.users["outsider"]).post(
        reverse("web:invitation-accept", args=[invitation.pk]), {"token": token}
    )
    assert late.status_code == 404
    assert not Membership.objects.filter(household=roles.household, user=roles.users["outsider"]).exists()
    closed = browser.post(reverse("web:invitation-accept", args=[invitation.pk]), {"token": token}, follow=True)
    assert "This invitation was already answered or withdrawn." in closed.content.decode()


def test_owners_withdraw_an_invitation(roles, web_client):
    sam = UserFactory(username="sam")
    owner = web_client(roles.users["owner"])
    invite(owner, "sam")
    invitation = Invitation.objects.get()
    refused = web_client(roles.users["editor"]).post(reverse("web:household-invitation-revoke", args=[invitation.pk]))
    assert refused.status_code == 403
    page = owner.post(reverse("web:household-invitation-revoke", args=[invitation.pk]), follow=True)
    assert "Invitation withdrawn; its link no longer works." in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert web_client(sam).get(reverse("web:invitations")).content.decode().count("Accept") == 0


def test_the_invitation_pages_speak_the_persons_language(roles, web_client):
    sam = UserFactory(username="sam", locale="de")
    invite(web_client(roles.users["owner"]), "sam")
    page = web_client(sam).get(reverse("web:invitations")).content.decode()
    assert "Einladungen" in page
    assert "Annehmen" in page
    assert f"lädt dich als Bearbeiter in „{roles.household.name}“ ein." in page
