from django.contrib import admin

from sejahtera.targeting.models import ManualClusterMembership, TargetingRun


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
    readonly_fields = ("summary", "progress", "rules_text")
    raw_id_fields = ("created_by", "base_run")


@admin.register(ManualClusterMembership)
class ManualClusterMembershipAdmin(admin.ModelAdmin):
    list_display = ("person", "cluster", "valid_from", "valid_until", "created_by")
    list_filter = ("cluster",)
    raw_id_fields = ("person", "created_by")
    search_fields = ("person__external_id", "person__full_name", "reason")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
