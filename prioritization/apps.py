from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritizationConfig(AppConfig):
    name = "prioritization"
    verbose_name = _("组织与权限")

    def ready(self):
        # Workbooks are parsed by openpyxl, which protects against XML bombs only when defusedxml is
        # importable. Refuse to start (web, worker, beat, commands) without that protection.
        import openpyxl.xml
        from django.core.exceptions import ImproperlyConfigured

        from prioritization import listcache, signals  # noqa: F401 - connects the audit receivers

        listcache.connect()  # list pages' cached figures follow every change of a BU's lists

        if not openpyxl.xml.DEFUSEDXML:
            raise ImproperlyConfigured(
                "defusedxml must be installed: openpyxl would parse untrusted XML unsafely"
            )
