"""The scoring grid in a browser: each change of a row saves it (htmx) and carries the row's new
revision, so consecutive changes of one row all save; a change over someone else's newer save is
refused in the row with their name, and nothing is overwritten."""

from decimal import Decimal as D

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025


@pytest.fixture
def listed(org, admin_user, customers):
    from criteria.services.versions import version_activate, version_create
    from prospects.models import ListEntry

    version = version_activate(
        actor=admin_user, version=version_create(actor=admin_user, unit=org.unit, year=YEAR)
    )
    for customer in (customers.owned, customers.auto):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
    return version


def _change(page, customer, spec, value):
    cell = page.locator(f"#cell-{customer.pk}-{spec.key}")
    with page.expect_response(lambda r: f"/scoring/grid/{customer.pk}/" in r.url):
        cell.fill(value)
        cell.press("Tab")


def test_consecutive_changes_of_a_row_save_and_a_stale_row_is_refused(
    page_for, login, listed, customers, segmgr, buvp
):
    from prioritization.models import Scorecard
    from prioritization.services.scoring import ScoreInput, criterion_specs, scorecard_record

    specs = criterion_specs(listed)
    customer = customers.auto
    page = page_for()
    login(page, "segmgr")
    page.goto(f"/targets/scoring/grid/?bu=MFG&year={YEAR}&segment=AUTO")
    page.locator(f"input[name=reason][form=row-{customer.pk}]").fill("面谈后调整")
    _change(page, customer, specs[0], "6")
    page.wait_for_selector(f"#row-{customer.pk} [data-testid=row-saved]")
    _change(page, customer, specs[1], "7")
    page.wait_for_selector(f"#row-{customer.pk} [data-testid=row-saved]")
    stored = dict(
        Scorecard.objects.filter(evaluator=segmgr, customer=customer).values_list(
            "criterion_id", "score_tenths"
        )
    )
    assert stored == {specs[0].key: 60, specs[1].key: 70}

    # the BU VP enters the segment manager's scores meanwhile
    scorecard_record(
        actor=buvp, customer=customer, version=listed, evaluator=segmgr,
        entries=[ScoreInput(specs[0].key, D("9"), override_reason="纸质评分表")],
    )  # fmt: skip
    _change(page, customer, specs[2], "5")
    conflict = page.wait_for_selector(f"#row-{customer.pk} [data-testid=row-conflict]")
    assert "buvp" in conflict.inner_text() and "9.0" in conflict.inner_text()
    stored = dict(
        Scorecard.objects.filter(evaluator=segmgr, customer=customer).values_list(
            "criterion_id", "score_tenths"
        )
    )
    assert stored == {specs[0].key: 90, specs[1].key: 70}  # nothing of the stale row written
    # reloading shows the newer scores, and the row saves again
    page.reload()
    assert D(page.locator(f"#cell-{customer.pk}-{specs[0].key}").input_value()) == 9
    page.locator(f"input[name=reason][form=row-{customer.pk}]").fill("面谈后调整")
    _change(page, customer, specs[2], "5")
    page.wait_for_selector(f"#row-{customer.pk} [data-testid=row-saved]")
    assert Scorecard.objects.filter(evaluator=segmgr, customer=customer).count() == 3
