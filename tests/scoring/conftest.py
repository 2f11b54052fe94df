"""Fixtures of the scoring stage: the default criteria version in force for MFG and a list."""

from types import SimpleNamespace

import pytest

from criteria.services.versions import version_activate, version_create
from prioritization.services.scoring import ScoreInput, criterion_specs, scorecard_record
from prospects.models import ListEntry

YEAR = 2025


@pytest.fixture
def version(org, admin_user):
    draft = version_create(actor=admin_user, unit=org.unit, year=YEAR)
    return version_activate(actor=admin_user, version=draft)


@pytest.fixture
def listed(customers):
    for customer in (customers.owned, customers.auto, customers.elec):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
    return customers


@pytest.fixture
def specs(version):
    return criterion_specs(version)


@pytest.fixture
def score_all():
    """`score_all(actor, customer, version, {"attractiveness": 7, "feasibility": 4})` scores every
    criterion of a dimension with one value (or pass a list in criteria order)."""

    def do(actor, customer, version, values, evaluator=None, recompute=True):
        specs = criterion_specs(version)
        if isinstance(values, dict):
            values = [values[s.dimension] for s in specs]
        entries = [
            ScoreInput(criterion_id=s.key, score=v, override_reason="测试")
            for s, v in zip(specs, values, strict=True)
        ]
        return scorecard_record(
            actor=actor,
            customer=customer,
            version=version,
            entries=entries,
            evaluator=evaluator,
            recompute=recompute,
        )

    return do


@pytest.fixture
def ctx(org, listed, version, admin_user, buvp, segmgr, am):
    return SimpleNamespace(
        org=org, customers=listed, version=version, admin=admin_user, buvp=buvp, segmgr=segmgr, am=am
    )
