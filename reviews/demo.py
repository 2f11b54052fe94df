"""Demo part of the review: the MFG BU's review of the current planning year, started as a draft
with the BU VP's first summary lines, so the workspace opens on computed figures. Idempotent."""

from django.utils import timezone

from reviews.models import Review, ReviewSummary, SummaryKind


def load(org, customers: int = 0) -> None:
    year = timezone.localdate().year
    buvp = org.users["buvp"]
    review, _created = Review.objects.get_or_create(unit=org.unit, year=year, defaults={"created_by": buvp})
    if review.is_draft and not review.summaries.filter(kind=SummaryKind.OVERALL).exists():
        ReviewSummary.objects.create(
            review=review,
            kind=SummaryKind.OVERALL,
            author=buvp,
            text="汽车制造业一级客户推进顺利；电子行业的可行性评分普遍偏高，建议下一年度复核。",
        )
