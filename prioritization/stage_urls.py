"""Pages of stage 2.3.3 (scoring, evaluation matrix, tiers, owners, promotion plans)."""

from django.urls import path

from prioritization.views import targets, targets_consolidation, targets_contacts, targets_customers

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
    # owners, pipeline, contacts and promotion plans (per target customer)
    path("owners/assign/", targets_customers.owners_bulk, name="owners_bulk"),
    path("customers/<int:pk>/owners/", targets_customers.customer_owners, name="customer_owners"),
    path("pipeline/", targets_customers.pipeline, name="pipeline"),
    path("customers/<int:pk>/status/", targets_customers.customer_status, name="customer_status"),
    path("contacts/", targets_customers.contacts_due, name="contacts_due"),
    path("customers/<int:pk>/contacts/", targets_customers.customer_contacts, name="customer_contacts"),
    path(
        "customers/<int:pk>/contacts/<int:log_pk>/",
        targets_contacts.contact_edit,
        name="customer_contact_edit",
    ),
    path(
        "customers/<int:pk>/contacts/<int:log_pk>/delete/",
        targets_contacts.contact_remove,
        name="customer_contact_delete",
    ),
    path("plans/", targets_customers.plan_list, name="plan_list"),
    path("customers/<int:pk>/plans/", targets_customers.customer_plans, name="customer_plans"),
    path("customers/<int:pk>/plans/new/", targets_customers.plan_create, name="plan_create"),
    path("customers/<int:pk>/plans/<int:plan_pk>/", targets_customers.plan_edit, name="plan_edit"),
    path("customers/<int:pk>/plans/<int:plan_pk>/delete/", targets_customers.plan_delete, name="plan_delete"),
    # BU and BG consolidation: workbooks and the BG VP's arbitration between BUs
    path("bu-merge/export/", targets_consolidation.bu_list_export, name="bu_list_export"),
    path("bg-list/export/", targets_consolidation.bg_list_export, name="bg_list_export"),
    path("bg-list/arbitrate/", targets_consolidation.unit_arbitrate, name="unit_arbitrate"),
]
