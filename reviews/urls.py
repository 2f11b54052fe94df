from django.urls import path

from reviews.views import workspace as views

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("start/", views.review_start, name="review_start"),
    path("group/<int:group_pk>/", views.group_overview, name="group_overview"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/print/", views.review_print, name="review_print"),
    path("<int:pk>/export/", views.review_export, name="review_export"),
    path("<int:pk>/compare/", views.review_compare, name="review_compare"),
    path("<int:pk>/summary/", views.summary_save, name="summary_save"),
    path("<int:pk>/goals/", views.goals_save, name="goals_save"),
    path("<int:pk>/changes/", views.change_add, name="change_add"),
    path("<int:pk>/changes/<int:change_pk>/delete/", views.change_delete, name="change_delete"),
    path("<int:pk>/submit/", views.review_submit, name="review_submit"),
    path("<int:pk>/comment/", views.review_comment, name="review_comment"),
    path("<int:pk>/return/", views.review_return, name="review_return"),
    path("<int:pk>/confirm/", views.review_confirm, name="review_confirm"),
    path("<int:pk>/carry-forward/", views.review_carry_forward, name="review_carry_forward"),
]
