from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    name = "prospects"
    verbose_name = _("客户名单与客户数据库（2.3.2/2.3.4）")
