from django.urls import path

from criteria.views import goals, versions

app_name = "criteria"
urlpatterns = [
    path("", versions.version_list, name="version_list"),
    path("new/", versions.version_create_view, name="version_create"),
    path("compare/", versions.version_compare, name="version_compare"),
    path("goals/", goals.goals, name="goals"),
    path("<int:pk>/", versions.version_detail, name="version_detail"),
    path("<int:pk>/edit/", versions.version_edit, name="version_edit"),
    path("<int:pk>/tiers/", versions.version_tiers, name="version_tiers"),
    path("<int:pk>/segments/", versions.version_segments, name="version_segments"),
    path("<int:pk>/activate/", versions.version_activate_view, name="version_activate"),
    path("<int:pk>/revise/", versions.version_revise_view, name="version_revise"),
    path("<int:pk>/delete/", versions.version_delete_view, name="version_delete"),
    path("<int:pk>/history/", versions.version_history_view, name="version_history"),
    path("<int:pk>/export/", versions.version_export, name="version_export"),
    path("<int:pk>/import/", versions.version_import_view, name="version_import"),
]
