from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritizationConfig(AppConfig):
    name = "prioritization"
    verbose_name = _("组织与权限")

    def ready(self):
        # openpyxl parses workbooks with defusedxml only when it is importable at openpyxl import time.
        import defusedxml  # noqa: F401
