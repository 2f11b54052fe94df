from django.contrib import admin
from django.urls import include, path

from prioritization.views import account, health, home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", account.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", account.set_language, name="set_language"),
    path("healthz/", health.healthz, name="healthz"),
    path("customers/", include("prospects.urls")),
    path("admin/", admin.site.urls),
]
