"""Editing and deleting an entry of a customer's contact log: its author and the BU VP may; the page
asks before deleting; every change is kept with who made it; a save or delete over someone else's
newer change is refused with a message naming them."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from prioritization.models import ContactLog
from prioritization.services.contacts import contact_changes, contact_delete, contact_update
from prospects.services.customers import ConcurrentUpdate
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(customers, am):
    return ContactLog.objects.create(
        customer=customers.owned,
        contacted_on=date(2025, 3, 1),
        kind="visit",
        decision_makers="CIO",
        logged_by=am,
    )


def _edit_url(entry):
    return (
        reverse("prioritization:customer_contact_edit", args=[entry.customer_id, entry.pk]) + f"?year={YEAR}"
    )


def _delete_url(entry):
    return reverse("prioritization:customer_contact_delete", args=[entry.customer_id, entry.pk])


def _page(customer):
    return reverse("prioritization:customer_contacts", args=[customer.pk]) + f"?year={YEAR}"


# --- the service ---------------------------------------------------------------------------------
def test_the_author_edits_an_entry_and_the_change_is_kept_with_who_and_what(entry, am):
    updated = contact_update(
        actor=am, customer=entry.customer, log=entry, expected_version=1, kind="call", notes="补充：谈了预算"
    )
    assert (updated.kind, updated.notes, updated.version, updated.edited_by) == (
        "call",
        "补充：谈了预算",
        2,
        am,
    )
    [change] = contact_changes(entry.customer)
    assert change["row"].history_user == am and not change["deleted"]
    assert {(f["old"], f["new"]) for f in change["fields"]} == {("拜访", "电话"), ("", "补充：谈了预算")}


def test_an_edit_that_changes_nothing_makes_no_new_version(entry, am):
    same = contact_update(actor=am, customer=entry.customer, log=entry, expected_version=1, kind="visit")
    assert same.version == 1 and contact_changes(entry.customer) == []


def test_the_bu_vp_edits_and_deletes_another_persons_entry(entry, buvp):
    contact_update(actor=buvp, customer=entry.customer, log=entry, expected_version=1, decision_makers="CFO")
    entry.refresh_from_db()
    contact_delete(actor=buvp, customer=entry.customer, log=entry, expected_version=2)
    assert not ContactLog.objects.exists()
    changes = contact_changes(entry.customer)
    assert [c["deleted"] for c in changes] == [True, False]  # newest first
    assert all(c["row"].history_user == buvp for c in changes)


@pytest.mark.parametrize("who", ["segmgr", "researcher", "bgvp", "outsider"])
def test_others_may_neither_edit_nor_delete_an_entry(request, entry, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        contact_update(actor=user, customer=entry.customer, log=entry, expected_version=1, notes="x")
    with pytest.raises(PermissionDenied):
        contact_delete(actor=user, customer=entry.customer, log=entry, expected_version=1)
    entry.refresh_from_db()
    assert entry.notes == "" and entry.version == 1


def test_an_edit_over_someone_elses_newer_edit_is_refused_naming_them(entry, am, buvp):
    contact_update(actor=buvp, customer=entry.customer, log=entry, expected_version=1, kind="seminar")
    with pytest.raises(ConcurrentUpdate) as refused:
        contact_update(actor=am, customer=entry.customer, log=entry, expected_version=1, kind="call")
    assert buvp.username in refused.value.messages[0] and "研讨会" in refused.value.messages[0]
    with pytest.raises(ConcurrentUpdate):
        contact_delete(actor=am, customer=entry.customer, log=entry, expected_version=1)
    entry.refresh_from_db()
    assert (entry.kind, entry.version) == ("seminar", 2)


def test_an_edit_of_an_entry_deleted_meanwhile_names_who_deleted_it(entry, am, buvp):
    stale = ContactLog.objects.get(pk=entry.pk)
    contact_delete(actor=buvp, customer=entry.customer, log=entry, expected_version=1)
    with pytest.raises(ConcurrentUpdate) as refused:
        contact_update(actor=am, customer=stale.customer, log=stale, expected_version=1, kind="call")
    assert buvp.username in refused.value.messages[0] and "删除" in refused.value.messages[0]
    assert not ContactLog.objects.exists()


def test_a_future_contact_date_is_refused(entry, am):
    with pytest.raises(Exception) as refused:
        contact_update(
            actor=am, customer=entry.customer, log=entry, expected_version=1, contacted_on=date(2999, 1, 1)
        )
    assert "contacted_on" in refused.value.message_dict


# --- the pages -----------------------------------------------------------------------------------
def test_the_log_offers_edit_and_a_confirmed_delete_only_on_entries_one_may_change(client, entry, am, segmgr):
    other = ContactLog.objects.create(
        customer=entry.customer, contacted_on=date(2025, 2, 1), kind="call", logged_by=segmgr
    )
    client.force_login(am)
    page = client.get(_page(entry.customer)).content.decode()
    assert _edit_url(entry).split("?")[0] in page and _delete_url(entry) in page
    assert _delete_url(other) not in page
    assert 'data-confirm="删除 2025-03-01 的这条接触记录' in page  # workbench.js asks before deleting
    client.force_login(segmgr)
    page = client.get(_page(entry.customer)).content.decode()
    assert _delete_url(other) in page and _delete_url(entry) not in page
    assert client.get(_edit_url(entry)).status_code == 403


def test_editing_through_the_page_then_the_audit_shows_it(client, entry, am):
    client.force_login(am)
    form = client.get(_edit_url(entry))
    assert 'name="version" value="1"' in form.content.decode()
    response = client.post(
        _edit_url(entry),
        {
            "contacted_on": "2025-03-02",
            "kind": "meeting",
            "decision_makers": "CIO、CFO",
            "notes": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.contacted_on, entry.kind, entry.version) == (date(2025, 3, 2), "meeting", 2)
    page = client.get(_page(entry.customer)).content.decode()
    assert 'data-testid="contact-changes"' in page
    assert "“2025-03-01” → “2025-03-02”" in page and "“拜访” → “小型会议”" in page


def test_the_second_window_edit_shows_the_other_save_and_keeps_the_typed_text(client, entry, am, buvp):
    client.force_login(am)
    stale_version = 1
    contact_update(actor=buvp, customer=entry.customer, log=entry, expected_version=1, notes="VP 的补充")
    response = client.post(
        _edit_url(entry),
        {"contacted_on": "2025-03-01", "kind": "visit", "notes": "我的记录", "version": stale_version},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert buvp.username in page and "已在您打开之后修改了这条接触记录" in page
    assert "VP 的补充" in page and "我的记录" in page  # theirs shown, mine kept in the form
    assert 'name="version" value="2"' in page  # saving again is deliberate
    entry.refresh_from_db()
    assert entry.notes == "VP 的补充"
    again = client.post(
        _edit_url(entry), {"contacted_on": "2025-03-01", "kind": "visit", "notes": "我的记录", "version": 2}
    )
    assert again.status_code == 302
    entry.refresh_from_db()
    assert entry.notes == "我的记录"


def test_deleting_through_the_page_and_a_stale_delete(client, entry, am, buvp):
    client.force_login(am)
    contact_update(actor=buvp, customer=entry.customer, log=entry, expected_version=1, notes="改过")
    stale = client.post(_delete_url(entry), {"version": 1, "year": YEAR}, follow=True)
    assert "已在您打开之后修改了这条接触记录" in stale.content.decode()
    assert ContactLog.objects.filter(pk=entry.pk).exists()
    done = client.post(_delete_url(entry), {"version": 2, "year": YEAR}, follow=True)
    assert "已删除 2025-03-01 的接触记录" in done.content.decode()
    assert not ContactLog.objects.filter(pk=entry.pk).exists()
    # the other window opens the deleted entry: told who deleted it, not a bare 404
    gone = client.get(_edit_url(entry), follow=True)
    assert "已删除这条接触记录" in gone.content.decode() and am.username in gone.content.decode()


def test_a_forged_version_is_stale_not_a_500(client, entry, am):
    client.force_login(am)
    response = client.post(
        _edit_url(entry), {"contacted_on": "2025-03-01", "kind": "call", "version": "9" * 40}
    )
    assert response.status_code == 200 and "已在您打开之后修改了" in response.content.decode()
    entry.refresh_from_db()
    assert entry.kind == "visit"


def test_an_entry_is_reached_only_through_its_own_customer(client, entry, customers, admin_user):
    client.force_login(admin_user)
    url = reverse("prioritization:customer_contact_edit", args=[customers.auto.pk, entry.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("prioritization:customer_contact_delete", args=[customers.auto.pk, entry.pk]),
            {"version": 1},
        ).status_code
        == 404
    )
    assert ContactLog.objects.filter(pk=entry.pk).exists()


def test_the_contact_page_query_count_does_not_grow_with_edited_entries(
    client, entry, am, django_assert_max_num_queries
):
    for day in range(1, 16):
        log = ContactLog.objects.create(
            customer=entry.customer, contacted_on=date(2025, 1, day), kind="call", logged_by=am
        )
        contact_update(actor=am, customer=entry.customer, log=log, expected_version=1, notes=f"第{day}次")
    client.force_login(am)
    with django_assert_max_num_queries(30):
        assert client.get(_page(entry.customer)).status_code == 200
