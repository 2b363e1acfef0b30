from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sejahtera.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        # The deployment checks and the audit trail's login receivers register on import.
        from sejahtera.accounts import audit, checks  # noqa: F401
