from django.urls import path

from inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.board, name="board"),
    path("log/", views.quick_log, name="quick_log"),
    path("log/companies/", views.company_autocomplete, name="company_autocomplete"),
    path("report/monthly/", views.monthly_report, name="monthly_report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/classify/", views.classify, name="classify"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/list-target/", views.list_target, name="list_target"),
    path("<int:pk>/material-sent/", views.material_sent, name="material_sent"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/close/", views.close, name="close"),
]
