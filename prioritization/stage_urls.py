"""Pages of stage 2.3.3 (scoring, evaluation matrix, tiers, owners, promotion plans)."""

from django.urls import path  # noqa: F401

app_name = "prioritization"
urlpatterns: list = []
