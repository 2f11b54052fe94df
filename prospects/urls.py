from django.urls import path

from prospects.views import customers

app_name = "prospects"
urlpatterns = [
    path("", customers.customer_list, name="customer_list"),
    path("<int:pk>/", customers.customer_detail, name="customer_detail"),
]
