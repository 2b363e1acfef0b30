from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.admin import ReadsLoggedAdmin
from sejahtera.cases import services
from sejahtera.cases.models import Case, CaseEvent, MinimumWage, Referral
from sejahtera.i18n import render_finding


@admin.register(MinimumWage)
class MinimumWageAdmin(admin.ModelAdmin):
    list_display = ("region", "kind", "year", "amount", "instrument")
    list_filter = ("year", "kind")
    raw_id_fields = ("region",)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("on", "kind", "from_stage", "to_stage", "actor", "reason")
    readonly_fields = fields


class CaseAssignmentForm(forms.ModelForm):
    """The admin may only reassign a case, through the same service (and its checks) as the
    pages and the API, with a reason that goes on the timeline."""

    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea)

    class Meta:
        model = Case
        fields = ("social_worker", "supervisor")

    def clean(self):
        data = super().clean() or {}
        worker, supervisor = data.get("social_worker"), data.get("supervisor")
        if worker is not None:
            try:
                services.check_assignment(worker, supervisor, self.instance.region_code)
            except services.TransitionRefused as refused:
                raise forms.ValidationError(
                    [render_finding(finding) for finding in refused.findings]
                ) from None
        return data


@admin.register(Case)
class CaseAdmin(ReadsLoggedAdmin):
    # Cases are opened and moved by the services (guards, history); here only reassigned.
    form = CaseAssignmentForm
    list_display = ("id", "household", "stage", "social_worker", "supervisor", "opened_on")
    list_filter = ("stage",)
    raw_id_fields = ("social_worker", "supervisor")
    readonly_fields = (
        "household",
        "region_code",
        "stage",
        "stage_since",
        "opened_on",
        "closed_on",
        "version",
    )
    fields = (*readonly_fields, "social_worker", "supervisor", "reason")
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def reads(self, objects):
        return {"case": [case.pk for case in objects]}

    def save_model(self, request, obj, form, change):
        current = Case.objects.get(pk=obj.pk)
        try:
            services.assign_case(
                actor=request.user,
                case=current,
                social_worker=form.cleaned_data["social_worker"],
                supervisor=form.cleaned_data["supervisor"],
                expected_version=current.version,
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except (PermissionDenied, services.TransitionRefused, services.EditConflict) as refused:
            messages.error(request, _("The case was not reassigned: %(why)s") % {"why": refused})
        obj.refresh_from_db()


@admin.register(Referral)
class ReferralAdmin(ReadsLoggedAdmin):
    list_display = ("id", "organisation", "programme", "status", "sent_on")
    list_filter = ("status",)
    raw_id_fields = ("case", "sent_by")
    readonly_fields = ("status",)

    def reads(self, objects):
        return {"case": [referral.case_id for referral in objects]}
