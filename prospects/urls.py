from django.urls import path

from prospects.views import customers, segments, workbooks

app_name = "prospects"
urlpatterns = [
    path("", customers.customer_list, name="customer_list"),
    path("add/", customers.customer_add, name="customer_add"),
    path("segments/", segments.segment_progress, name="segment_progress"),
    path("template.xlsx", workbooks.template_download, name="template_download"),
    path("export.xlsx", workbooks.export_download, name="export_download"),
    path("import/", workbooks.import_upload, name="import_upload"),
    path("import/<str:token>/", workbooks.import_preview, name="import_preview"),
    path("import/<str:token>/apply/", workbooks.import_apply, name="import_apply"),
    path("import/<str:token>/rejected.xlsx", workbooks.import_rejected, name="import_rejected"),
    path("jobs/<int:pk>/", workbooks.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download.xlsx", workbooks.job_download, name="job_download"),
    path("<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("<int:pk>/verify/", customers.customer_verify, name="customer_verify"),
    path("<int:pk>/financials/", customers.financials_edit, name="financials_edit"),
    path("<int:pk>/contacts/add/", customers.contact_edit, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", customers.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", customers.contact_remove, name="contact_delete"),
]
