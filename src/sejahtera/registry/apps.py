from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "sejahtera.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models import CharField
        from django.db.models.functions import Lower

        from sejahtera.registry import checks  # noqa: F401 (registers the key checks)
        from sejahtera.registry.name_search import register_sqlite_function

        CharField.register_lookup(Lower)
        connection_created.connect(register_sqlite_function)
