from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "sejahtera.programmes"
    verbose_name = _("Programme delivery")

    def ready(self) -> None:
        from sejahtera.programmes.merging import ENROLMENTS
        from sejahtera.programmes.tasks import refresh_coverage_after_run
        from sejahtera.registry.services.deduplication import follow_on_merge
        from sejahtera.targeting.signals import run_completed

        run_completed.connect(refresh_coverage_after_run, dispatch_uid="programmes-coverage")
        follow_on_merge(ENROLMENTS)
