from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "sejahtera.cases"
    verbose_name = _("Case management")

    def ready(self) -> None:
        from sejahtera.cases.services import follow_moved_households
        from sejahtera.registry.signals import households_moved

        households_moved.connect(follow_moved_households, dispatch_uid="cases-follow-household")
