"""Every computed figure of the review on the seeded year of conftest.py (known answers)."""

from decimal import Decimal

from reviews.selectors.year import year_report


def _by(rows, key, value):
    return next(r for r in rows if r[key] == value)


def test_only_the_years_list_of_the_bu_counts(seeded):
    report = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)
    names = [r.name for r in report["rows"]]
    assert sorted(names) == sorted(["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"])


def test_status_at_start_and_end_of_year_and_what_happened_in_it(seeded):
    rows = {r.name: r for r in year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["rows"]}
    c1, c2, c3, c5 = rows["甲公司"], rows["乙公司"], rows["丙公司"], rows["戊公司"]
    assert (c1.start_status, c1.end_status, c1.progress) == ("first_contact", "negotiating", 3)
    assert (c2.start_status, c2.end_status, c2.progress) == ("first_contact", "first_contact", 0)
    assert (c3.start_status, c3.end_status, c3.progress) == ("", "closed", 5)
    assert c1.proposal_sent and not c1.closed
    assert c3.proposal_sent and c3.closed
    assert c5.proposal_sent and c5.progress == 4
    assert (c1.contacts_due, c1.contacts_made) == (12, 2)
    assert (c3.contacts_due, c3.contacts_made) == (4, 2)
    assert (rows["丁公司"].contacts_due, rows["丁公司"].contacts_made) == (2, 1)
    assert (c5.contacts_due, c5.contacts_made) == (0, 0)
    assert c1.scores[seeded.criteria["财务业绩"].pk] == 7.0


def test_key_customers_per_tier(seeded):
    kc = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["key_customers"]
    t1 = _by(kc["by_tier"], "tier", "tier1")
    assert (t1["customers"], t1["moved"], t1["steps"], t1["proposals"], t1["closed"]) == (2, 1, 3, 1, 0)
    assert (t1["contacts_due"], t1["contacts_made"], t1["cadence_kept"]) == (24, 2, Decimal("8.3"))
    assert (t1["plans"], t1["plans_done"], t1["plans_with_result"], t1["plans_done_pct"]) == (
        2,
        1,
        1,
        Decimal("50.0"),
    )
    assert t1["mean_steps"] == Decimal("1.50")
    t2 = _by(kc["by_tier"], "tier", "tier2")
    assert (t2["customers"], t2["steps"], t2["proposals"], t2["closed"], t2["cadence_kept"]) == (
        1,
        5,
        1,
        1,
        Decimal("50.0"),
    )
    t3 = _by(kc["by_tier"], "tier", "tier3")
    assert (t3["customers"], t3["steps"], t3["cadence_kept"]) == (1, 1, Decimal("50.0"))
    no = _by(kc["by_tier"], "tier", "no")
    assert (no["customers"], no["proposals"], no["cadence_kept"]) == (1, 1, None)
    untiered = _by(kc["by_tier"], "tier", "")
    assert untiered["customers"] == 1
    assert (kc["targets"]["customers"], kc["targets"]["contacts_due"], kc["targets"]["contacts_made"]) == (
        4,
        30,
        5,
    )
    assert kc["targets"]["cadence_kept"] == Decimal("16.7")
    assert kc["total"]["proposals"] == 3 and kc["total"]["closed"] == 1


def test_key_customers_per_segment_and_owner(seeded):
    kc = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["key_customers"]
    auto = _by(kc["by_segment"], "segment_id", seeded.org.auto.pk)
    elec = _by(kc["by_segment"], "segment_id", seeded.org.elec.pk)
    assert (auto["customers"], auto["moved"], auto["steps"], auto["proposals"]) == (5, 3, 12, 3)
    assert (elec["customers"], elec["moved"], elec["steps"]) == (1, 1, 1)
    am = _by(kc["by_owner"], "owner_id", seeded.am.pk)
    assert (am["customers"], am["contacts_due"], am["contacts_made"], am["cadence_kept"]) == (
        2,
        24,
        2,
        Decimal("8.3"),
    )
    unowned = _by(kc["by_owner"], "owner_id", None)
    assert (unowned["customers"], unowned["contacts_due"], unowned["contacts_made"]) == (2, 6, 3)


def test_pipeline_funnel_of_the_targets(seeded):
    kc = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["key_customers"]
    assert [f["count"] for f in kc["funnel"]] == [4, 4, 2, 2, 2, 1]


def test_criteria_analysis(seeded):
    ca = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["criteria"]
    by_name = {c["criterion"].name: c for c in ca["criteria"]}
    finance, location = by_name["财务业绩"], by_name["地理位置"]
    assert (finance["scored"], finance["rho"], finance["separated_nothing"]) == (5, 1.0, False)
    assert finance["mean_score"] == Decimal("6.00")
    assert (location["scored"], location["rho"], location["separated_nothing"]) == (5, None, True)
    assert by_name["IT支出"]["scored"] == 0 and by_name["IT支出"]["separated_nothing"]
    flagged = {c["criterion"].name for c in ca["flagged"]}
    assert "地理位置" in flagged and "财务业绩" not in flagged
    assert ca["tier1_vs_tier3"] == (Decimal("50.0"), Decimal("0.0"))
    assert [c["rate"] for c in ca["conversion"]] == [
        Decimal("50.0"),
        Decimal("100.0"),
        Decimal("0.0"),
        Decimal("100.0"),
    ]
    assert [r.name for r in ca["say_no_became_projects"]] == ["戊公司"]
    assert [r.name for r in ca["tier1_no_progress"]] == ["乙公司"]
    dims = {d["dimension"]: d for d in ca["dimensions"]}
    # attractiveness c1 7, c2 6, c3 4, c4 8, c5 3 vs progress 3, 0, 5, 1, 4: Σd² = 32 → ρ = 1 − 6·32/120 = −0.6
    assert dims["attractiveness"]["scored"] == 5
    assert dims["attractiveness"]["rho"] == -0.6


def test_data_quality(seeded):
    dq = year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)["data_quality"]
    assert dq["customers"] == 6
    assert dq["mean_completeness"] == Decimal("63.33")
    assert (dq["complete"], dq["complete_pct"]) == (3, Decimal("50.0"))
    assert (dq["stale"], dq["stale_pct"]) == (4, Decimal("66.7"))
    assert dq["verified_in_year"] == 3


def test_figures_are_narrowed_to_what_the_viewer_may_see(seeded):
    seg_rows = year_report(user=seeded.segmgr, unit=seeded.org.unit, year=2025)["rows"]
    assert "丁公司" not in {r.name for r in seg_rows} and len(seg_rows) == 5
    # Account managers read their segment's customers (access rule of a7e9b99), not the other segment's.
    am_rows = year_report(user=seeded.am, unit=seeded.org.unit, year=2025)["rows"]
    assert {r.name for r in am_rows} == {r.name for r in seg_rows}


def test_the_report_takes_a_fixed_number_of_queries(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        year_report(user=seeded.buvp, unit=seeded.org.unit, year=2025)
