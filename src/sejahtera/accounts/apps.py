from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sejahtera.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from sejahtera.accounts import checks  # noqa: F401  (registers the deployment checks)
