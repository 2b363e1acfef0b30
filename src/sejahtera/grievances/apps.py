from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "sejahtera.grievances"
    verbose_name = _("Proposals, objections and complaints")
