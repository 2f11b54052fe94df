"""The tiers page's stability figures are cached by their inputs: never stale, computed once."""

from decimal import Decimal as D

import pytest
from django.core.cache import cache

from prioritization import scoring
from prioritization.selectors.targets import tier_stability
from prioritization.services.scoring import thresholds_of

pytestmark = pytest.mark.django_db


def test_stability_is_computed_once_per_inputs_and_follows_a_changed_score(
    ctx, specs, score_all, monkeypatch
):
    cache.clear()
    c = ctx.customers
    # Feasibility criteria alternately 1 and 10: which side of 5.5 depends on the weights.
    feasibility = iter([D("1"), D("10")] * len(specs))
    fragile = [D("8") if s.dimension == scoring.ATTRACTIVENESS else next(feasibility) for s in specs]
    score_all(ctx.segmgr, c.auto, ctx.version, fragile)
    score_all(ctx.segmgr, c.owned, ctx.version, {"attractiveness": D("9"), "feasibility": D("9")})
    thresholds = thresholds_of(ctx.version)
    calls = []
    real = scoring.stability
    monkeypatch.setattr(scoring, "stability", lambda *a, **k: calls.append(1) or real(*a, **k))
    ids = [c.auto.pk, c.owned.pk, c.elec.pk]  # elec has no score: no figure

    first = tier_stability(customer_ids=ids, version=ctx.version, specs=specs, thresholds=thresholds)
    assert set(first) == {c.auto.pk, c.owned.pk} and len(calls) == 2
    direct = real(
        {sp.key: [v] for sp, v in zip(specs, fragile, strict=True)},
        specs,
        thresholds,
        vectors=scoring.weight_draws(specs),
    )
    assert first[c.owned.pk] == 100 and first[c.auto.pk] == int(direct * 100) < 100
    assert tier_stability(customer_ids=ids, version=ctx.version, specs=specs, thresholds=thresholds) == first
    assert len(calls) == 2  # the second page view is read from the cache

    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("9")})
    again = tier_stability(customer_ids=ids, version=ctx.version, specs=specs, thresholds=thresholds)
    assert again[c.auto.pk] == 100 and again[c.owned.pk] == 100 and len(calls) == 3

    moved = scoring.Thresholds(attractiveness=D("9.5"), feasibility=thresholds.feasibility)
    tier_stability(customer_ids=ids, version=ctx.version, specs=specs, thresholds=moved)
    assert len(calls) == 5  # other thresholds: other keys, computed afresh
