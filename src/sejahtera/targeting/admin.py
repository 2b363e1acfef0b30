from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from sejahtera.accounts.admin import ReadsLoggedAdmin
from sejahtera.domain.targeting.rules import RulesError
from sejahtera.targeting.models import ManualClusterMembership, RulesVersion, TargetingRun
from sejahtera.targeting.rules import default_rules_text, parse_rules


@admin.register(TargetingRun)
class TargetingRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "as_of",
        "rules_version",
        "engine",
        "status",
        "is_simulation",
        "started_at",
    )
    list_filter = ("status", "is_simulation", "engine")

    # A run is a record of what was decided: never changed (a what-if made the current run) or
    # deleted (its decisions with it) here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ManualClusterMembership)
class ManualClusterMembershipAdmin(ReadsLoggedAdmin):
    list_display = ("person", "cluster", "valid_from", "valid_until", "created_by")
    list_filter = ("cluster",)
    raw_id_fields = ("person", "created_by")
    search_fields = ("person__external_id", "person__full_name", "reason")

    def reads(self, objects):
        """A person's cluster (NAPZA and HIV, a victim of violence) is specific data."""
        return {"person": [membership.person_id for membership in objects]}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RulesVersionForm(forms.ModelForm):
    class Meta:
        model = RulesVersion
        fields = ("text", "note", "active")
        widgets = {"text": forms.Textarea(attrs={"rows": 40, "cols": 100, "spellcheck": "false"})}

    def clean_text(self) -> str:
        """A typo in a rule is a clear error here, never a silent "nobody eligible" later."""
        text = self.cleaned_data["text"]
        try:
            self.rules = parse_rules(text, source="rules")
        except RulesError as error:
            raise ValidationError([f"{path}: {why}" for path, why in error.problems]) from None
        return text


@admin.register(RulesVersion)
class RulesVersionAdmin(admin.ModelAdmin):
    """Put new targeting rules in force: start from the current text, change it, save."""

    form = RulesVersionForm
    list_display = ("version", "effective_from", "active", "note", "created_by", "created_at")
    list_filter = ("active",)

    def get_changeform_initial_data(self, request):
        return {"text": default_rules_text()}

    def has_change_permission(self, request, obj=None):
        return obj is None  # versions are added, never rewritten

    def save_model(self, request, obj, form, change):
        obj.version = form.rules.version
        obj.effective_from = form.rules.effective_from
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
