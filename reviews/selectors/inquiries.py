"""Inquiry figures of the review (filled in once the inquiry stage's models are committed)."""


def inquiry_figures(*, user, unit, year: int) -> dict | None:
    return None
