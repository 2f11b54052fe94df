from types import SimpleNamespace

from reviews import demo
from reviews.models import Review, ReviewSummary


def test_demo_starts_one_draft_review_and_is_idempotent(org, buvp):
    fake = SimpleNamespace(unit=org.unit, users={"buvp": buvp}, summary={})
    demo.load(fake)
    demo.load(fake)
    assert Review.objects.filter(unit=org.unit).count() == 1
    assert ReviewSummary.objects.filter(review__unit=org.unit).count() == 1
