"""Pages of stage 2.3.3 (scoring, evaluation matrix, tiers, owners, promotion plans)."""

from django.urls import path

from prioritization.views import targets

app_name = "prioritization"
urlpatterns = [
    path("scoring/", targets.scoring_overview, name="scoring"),
    path("scoring/grid/", targets.scoring_grid, name="scoring_grid"),
    path("scoring/grid/<int:pk>/", targets.scoring_grid_row, name="scoring_grid_row"),
    path("scoring/sheet/", targets.scoresheet_export, name="scoresheet_export"),
    path("scoring/sheet/import/", targets.scoresheet_import, name="scoresheet_import"),
    path("customers/<int:pk>/", targets.scorecard, name="scorecard"),
    path("customers/<int:pk>/tier/", targets.tier_decide, name="tier_decide"),
    path("matrix/", targets.matrix, name="matrix"),
    path("matrix/what-if/", targets.what_if, name="what_if"),
    path("tiers/", targets.tiers, name="tiers"),
    path("tiers/accept/", targets.tiers_accept, name="tiers_accept"),
    path("tiers/approve/", targets.bu_approve, name="bu_approve"),
    path("tiers/export/", targets.tiers_export, name="tiers_export"),
    path("relationships/", targets.relationship, name="relationship"),
    path("owners/", targets.owners, name="owners"),
    path("bu-merge/", targets.bu_merge, name="bu_merge"),
    path("bg-list/", targets.bg_list, name="bg_list"),
]
