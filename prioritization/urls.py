from django.contrib import admin
from django.urls import include, path

from prioritization.views import account, health, home, notifications

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", account.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", account.set_language, name="set_language"),
    path("healthz/", health.healthz, name="healthz"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("criteria/", include("criteria.urls")),
    path("customers/", include("prospects.urls")),
    path("targets/", include("prioritization.stage_urls")),
    path("inquiries/", include("inquiries.urls")),
    path("reviews/", include("reviews.urls")),
    path("admin/", admin.site.urls),
]
