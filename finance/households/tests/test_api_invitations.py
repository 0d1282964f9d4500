"""Invitations: an owner invites by username or address, the invitee sees it and accepts or declines.

The defects these pin: adding a member by username used to answer with that user's email address and
made them a member without their consent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent
from finance.core.models import OutboxEvent
from finance.households.models import Household, Invitation, InvitationStatus, Membership, Role
from finance.users.models import User
from finance.users.tests.factories import MembershipFactory, UserFactory
from finance.users.tests.helpers import error_attrs, error_codes

pytestmark = pytest.mark.django_db

SENT_FIELDS = {"id", "household", "role", "status", "expires_at"}


def members_url(household: Household) -> str:
    return f"/api/v1/households/{household.pk}/members/"


def invite(client: APIClient, household: Household, **body: Any) -> Any:
    return client.post(members_url(household), {"role": "editor", **body}, format="json")


def link_of(message: Any) -> tuple[str, str]:
    """(invitation id, token) of an invitation message's link."""
    link = next(word for word in message.get_content().split() if word.startswith("http"))
    parts = urlparse(link)
    assert parts.path.startswith("/app/invitations/")
    return parts.path.split("/")[3], parse_qs(parts.query)["token"][0]


def not_a_member(user: Any, household: Household) -> bool:
    return not Membership.objects.filter(household=household, user=user).exists()


# --- The inviter learns nothing ------------------------------------------------------------------------


def test_the_answer_is_the_same_whether_or_not_the_person_exists(roles, mailbox, committed, clock):
    sam = UserFactory(username="sam", email="sam@example.com")
    kim = UserFactory(username="kim", email="Kim@Example.com")
    owner = roles.client("owner")
    before = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    answers = [
        committed(invite, owner, roles.household, username="sam"),
        committed(invite, owner, roles.household, email="kim@example.COM"),
        committed(invite, owner, roles.household, username="nobody-by-that-name"),
        committed(invite, owner, roles.household, email="nobody@example.com"),
    ]
    bodies = []
    for response in answers:
        assert response.status_code == 202, response.content
        body = response.json()
        assert set(body) == SENT_FIELDS
        bodies.append({k: v for k, v in body.items() if k != "id"})
        assert "sam@example.com" not in response.content.decode().lower()
        assert "kim@example.com" not in response.content.decode().lower()
    assert bodies == [bodies[0]] * 4
    assert bodies[0]["status"] == "pending"
    assert bodies[0]["household"] == str(roles.household.pk)
    # Nobody joined; the owners' list shows what they typed and nothing of who it matched.
    assert not_a_member(sam, roles.household)
    assert not_a_member(kim, roles.household)
    listed = owner.get(f"/api/v1/households/{roles.household.pk}/invitations/").json()["results"]
    assert sorted(row["identifier"] for row in listed) == sorted(
        ["sam", "kim@example.COM", "nobody-by-that-name", "nobody@example.com"]
    )
    assert {key for row in listed for key in row} == SENT_FIELDS | {"identifier", "invited_by", "created_at"}
    # Neither the household's audit log nor its events name the person an identifier matched.
    events = AuditEvent.objects.filter(action=AuditAction.INVITATION_CREATE)
    assert sorted(e.changes["identifier"] for e in events) == sorted(row["identifier"] for row in listed)
    assert {frozenset(e.changes) for e in events} == {frozenset({"identifier", "role"})}
    payloads = [row.payload for row in OutboxEvent.objects.filter(id__gt=before, name="households.invitation_created")]
    assert len(payloads) == 4
    assert {frozenset(p) for p in payloads} == {frozenset({"household_id", "invitation_id", "role", "invited_by_id"})}
    # Mail went to the two accounts and the unknown address; a username with no account has nobody to tell.
    assert sorted(m["To"] for m in mailbox.wait(3)) == ["Kim@Example.com", "nobody@example.com", "sam@example.com"]


def test_the_old_add_member_response_no_longer_reveals_an_address(roles):
    """The defect: ``POST members/ {username}`` answered with the user's email address."""
    sam = UserFactory(username="sam", email="sam.private@example.com")
    response = invite(roles.client("owner"), roles.household, username="sam")
    assert response.status_code == 202
    assert sam.email not in response.content.decode()
    assert "user" not in response.json()
    assert not_a_member(sam, roles.household)
    assert roles.client("owner").get(members_url(roles.household)).json()["results"] != []
    assert sam.username not in {
        row["user"]["username"] for row in roles.client("owner").get(members_url(roles.household)).json()["results"]
    }


def test_bad_input_is_a_field_error_and_creates_nothing(roles):
    owner = roles.client("owner")
    for body, attr in (({"username": "sam", "role": "admin"}, "role"), ({"role": "viewer"}, "username")):
        response = owner.post(members_url(roles.household), body, format="json")
        assert response.status_code == 400
        assert error_attrs(response) == {attr}
    response = owner.post(members_url(roles.household), {"email": "not-an-address"}, format="json")
    assert (response.status_code, error_attrs(response)) == (400, {"email"})
    assert not Invitation.objects.exists()


def test_inviting_a_current_member_is_a_conflict(roles):
    response = invite(roles.client("owner"), roles.household, username=roles.users["viewer"].username)
    assert response.status_code == 409
    assert error_codes(response) == ["already_member"]
    assert not Invitation.objects.exists()


def test_inviting_again_replaces_the_pending_invitation(roles, mailbox, committed):
    UserFactory(username="sam")
    owner = roles.client("owner")
    first = committed(invite, owner, roles.household, username="sam", role="viewer").json()
    second = committed(invite, owner, roles.household, username="SAM", role="editor").json()
    assert Invitation.objects.get(pk=first["id"]).status == InvitationStatus.REVOKED
    assert Invitation.objects.get(pk=second["id"]).status == InvitationStatus.PENDING
    _, first_token = link_of(mailbox.wait(2)[0])
    sam = auth_client(User.objects.get(username="sam"))
    refused = sam.post(f"/api/v1/invitations/{first['id']}/accept/", {"token": first_token}, format="json")
    assert (refused.status_code, error_codes(refused)) == (409, ["invitation_closed"])
    assert [row["role"] for row in sam.get("/api/v1/invitations/").json()["results"]] == ["editor"]


def test_a_household_has_at_most_fifty_waiting_invitations(roles):
    owner = roles.client("owner")
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(household=roles.household, identifier=f"p{n}", expires_at=now + timedelta(days=1)) for n in range(50)
    )
    response = invite(owner, roles.household, username="one-more")
    assert (response.status_code, error_codes(response)) == (409, ["too_many_invitations"])
    assert Invitation.objects.count() == 50


# --- The invitee decides -----------------------------------------------------------------------------------


def test_the_invitee_sees_the_invitation_and_accepting_makes_them_a_member(roles, committed):
    sam = MembershipFactory(user__username="sam", is_default=True).user  # with a household of their own
    owner_name = roles.users["owner"].username
    sent = committed(invite, roles.client("owner"), roles.household, username="sam").json()
    api = auth_client(sam)
    # Not a member yet: the household is as unknown to them as any other.
    assert api.get(f"/api/v1/households/{roles.household.pk}/").status_code == 404

    listed = api.get("/api/v1/invitations/")
    assert listed.status_code == 200
    assert listed.json()["results"] == [
        {
            "id": sent["id"],
            "household": {"id": str(roles.household.pk), "name": roles.household.name},
            "role": "editor",
            "invited_by": {"username": owner_name},
            "status": "pending",
            "expires_at": sent["expires_at"],
        }
    ]
    before = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    accepted = api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    membership = Membership.objects.get(household=roles.household, user=sam)
    assert accepted.json() == {
        "id": str(membership.pk),
        "user": {"id": str(sam.pk), "username": "sam", "email": sam.email},
        "role": "editor",
        "joined_at": accepted.json()["joined_at"],
    }
    assert membership.role == Role.EDITOR
    assert membership.is_default is False  # their own stays their default
    assert api.get(f"/api/v1/households/{roles.household.pk}/").json()["role"] == "editor"
    assert api.get("/api/v1/invitations/").json()["results"] == []
    invitation = Invitation.objects.get(pk=sent["id"])
    assert (invitation.status, invitation.invitee_id) == (InvitationStatus.ACCEPTED, sam.pk)
    [event] = OutboxEvent.objects.filter(id__gt=before)
    assert (event.name, event.payload) == (
        "households.invitation_accepted",
        {
            "household_id": str(roles.household.pk),
            "invitation_id": sent["id"],
            "user_id": str(sam.pk),
            "membership_id": str(membership.pk),
            "role": "editor",
        },
    )
    assert AuditEvent.objects.get(action=AuditAction.MEMBER_ADD).changes == {
        "user": str(sam.pk),
        "role": "editor",
        "invitation": sent["id"],
    }
    again = api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json")
    assert (again.status_code, error_codes(again)) == (409, ["invitation_closed"])


def test_a_person_without_a_household_gets_the_accepted_one_as_default(roles):
    sam = UserFactory(username="sam")  # no household at all
    sent = invite(roles.client("owner"), roles.household, username="sam").json()
    auth_client(sam).post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json")
    assert Membership.objects.get(household=roles.household, user=sam).is_default is True


def test_declining_adds_nobody(roles):
    sam = UserFactory(username="sam")
    sent = invite(roles.client("owner"), roles.household, username="sam").json()
    api = auth_client(sam)
    declined = api.post(f"/api/v1/invitations/{sent['id']}/decline/", {}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert not_a_member(sam, roles.household)
    accept = api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json")
    assert (accept.status_code, error_codes(accept)) == (409, ["invitation_closed"])
    assert not_a_member(sam, roles.household)
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_DECLINE, actor=sam).exists()
    listed = roles.client("owner").get(f"/api/v1/households/{roles.household.pk}/invitations/").json()
    assert [row["status"] for row in listed["results"]] == ["declined"]


def test_nobody_else_can_see_or_answer_an_invitation(roles, mailbox, committed):
    UserFactory(username="sam")
    sent = committed(invite, roles.client("owner"), roles.household, username="sam").json()
    _, token = link_of(mailbox.last())
    for who in ("viewer", "editor", "outsider"):
        other = roles.client(who)
        assert other.get("/api/v1/invitations/").json()["results"] == []
        assert other.get(f"/api/v1/invitations/{sent['id']}/").status_code == 404
        # The link of an invitation addressed to an account is that account's only.
        assert other.get(f"/api/v1/invitations/{sent['id']}/", {"token": token}).status_code == 404
        for answer in ("accept", "decline"):
            response = other.post(f"/api/v1/invitations/{sent['id']}/{answer}/", {"token": token}, format="json")
            assert response.status_code == 404
    assert Invitation.objects.get(pk=sent["id"]).status == InvitationStatus.PENDING
    assert Membership.objects.filter(household=roles.household).count() == 3
    assert APIClient().get("/api/v1/invitations/").status_code == 401
    assert roles.client("viewer").post("/api/v1/invitations/not-a-uuid/accept/", {}, format="json").status_code == 404


def test_an_address_without_an_account_signs_up_then_accepts_with_the_link(roles, mailbox, committed, settings):
    settings.FRONTEND_URL = "https://app.example.com"
    sent = committed(invite, roles.client("owner"), roles.household, email="new.person@example.com").json()
    message = mailbox.last()
    assert message["To"] == "new.person@example.com"
    assert roles.household.name in message["Subject"]
    assert "https://app.example.com/app/invitations/" in message.get_content()
    invitation_id, token = link_of(message)
    assert invitation_id == sent["id"]

    # They sign up with another address of theirs; the link is the proof.
    body = {"username": "newbie", "email": "newbie@elsewhere.example", "password": "a-long-unusual-passphrase-42"}
    assert committed(APIClient().post, "/api/v1/auth/register/", body, format="json").status_code == 201
    newbie = auth_client(User.objects.get(username="newbie"))
    assert newbie.get("/api/v1/invitations/").json()["results"] == []
    assert newbie.post(f"/api/v1/invitations/{invitation_id}/accept/", {}, format="json").status_code == 404
    wrong = newbie.post(f"/api/v1/invitations/{invitation_id}/accept/", {"token": token + "x"}, format="json")
    assert wrong.status_code == 404
    seen = newbie.get(f"/api/v1/invitations/{invitation_id}/", {"token": token})
    assert seen.status_code == 200
    assert seen.json()["household"]["name"] == roles.household.name
    accepted = newbie.post(f"/api/v1/invitations/{invitation_id}/accept/", {"token": token}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert Membership.objects.filter(household=roles.household, user__username="newbie", role="editor").exists()


def test_a_verified_address_sees_an_invitation_sent_before_it_had_an_account(roles):
    sent = invite(roles.client("owner"), roles.household, email="later@example.com").json()
    later: Any = UserFactory(username="later", email="Later@Example.com", email_verified=False)
    api = auth_client(later)
    assert api.get("/api/v1/invitations/").json()["results"] == []  # not proven theirs yet
    assert api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json").status_code == 404
    later.email_verified = True
    later.save()
    assert [row["id"] for row in api.get("/api/v1/invitations/").json()["results"]] == [sent["id"]]
    assert api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json").status_code == 200


def test_an_expired_invitation_cannot_be_accepted(roles, clock, settings):
    sam = UserFactory(username="sam")
    sent = invite(roles.client("owner"), roles.household, username="sam").json()
    clock.shift(settings.INVITATION_TIMEOUT + timedelta(seconds=1))
    api = auth_client(sam)
    assert api.get("/api/v1/invitations/").json()["results"] == []
    response = api.post(f"/api/v1/invitations/{sent['id']}/accept/", {}, format="json")
    assert (response.status_code, error_codes(response)) == (409, ["invitation_expired"])
    assert not_a_member(sam, roles.household)
    listed = roles.client("owner").get(f"/api/v1/households/{roles.household.pk}/invitations/").json()
    assert [row["status"] for row in listed["results"]] == ["expired"]


def test_a_withdrawn_invitation_and_its_link_stop_working(roles, mailbox, committed):
    sam = UserFactory(username="sam")
    sent = committed(invite, roles.client("owner"), roles.household, username="sam").json()
    _, token = link_of(mailbox.last())
    url = f"/api/v1/households/{roles.household.pk}/invitations/{sent['id']}/"
    assert roles.client("owner").delete(url).status_code == 204
    api = auth_client(sam)
    assert api.get("/api/v1/invitations/").json()["results"] == []
    response = api.post(f"/api/v1/invitations/{sent['id']}/accept/", {"token": token}, format="json")
    assert (response.status_code, error_codes(response)) == (409, ["invitation_closed"])
    assert not_a_member(sam, roles.household)
    again = roles.client("owner").delete(url)
    assert (again.status_code, error_codes(again)) == (409, ["invitation_closed"])
    revoke = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKE)
    assert (revoke.actor_id, revoke.household_id) == (roles.users["owner"].pk, roles.household.pk)


def test_an_answered_invitation_is_not_mailed(roles, mailbox, committed, celery_eager):
    from finance.households.tasks import send_invitation_email

    sam = UserFactory(username="sam")
    sent = invite(roles.client("owner"), roles.household, username="sam").json()  # mail not sent (no commit run)
    auth_client(sam).post(f"/api/v1/invitations/{sent['id']}/decline/", {}, format="json")
    assert send_invitation_email(invitation_id=sent["id"]) is False
    assert mailbox.messages == []
