from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "sejahtera.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Lower

        CharField.register_lookup(Lower)
