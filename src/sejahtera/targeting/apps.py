from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetingConfig(AppConfig):
    name = "sejahtera.targeting"
    verbose_name = _("Targeting")

    def ready(self) -> None:
        from sejahtera.registry.services.deduplication import follow_on_merge
        from sejahtera.targeting.merging import CLUSTERS, DECISIONS

        follow_on_merge(DECISIONS)
        follow_on_merge(CLUSTERS)
