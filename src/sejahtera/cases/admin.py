from django.contrib import admin

from sejahtera.cases.models import Case, CaseEvent, Referral, RegencyMinimumWage


@admin.register(RegencyMinimumWage)
class RegencyMinimumWageAdmin(admin.ModelAdmin):
    list_display = ("regency", "year", "amount")
    list_filter = ("year",)
    raw_id_fields = ("regency",)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("on", "kind", "from_stage", "to_stage", "actor", "reason")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # stage changes go through the services (guards, history): read-only here
    list_display = ("id", "household", "stage", "social_worker", "supervisor", "opened_on")
    list_filter = ("stage",)
    raw_id_fields = ("household", "social_worker", "supervisor")
    readonly_fields = ("stage", "stage_since", "version", "closed_on")
    inlines = [CaseEventInline]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("id", "organisation", "programme", "status", "sent_on")
    list_filter = ("status",)
    raw_id_fields = ("case", "sent_by")
    readonly_fields = ("status",)
