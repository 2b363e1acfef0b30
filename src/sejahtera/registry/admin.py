from django.contrib import admin

from sejahtera.accounts.admin import AuditTrailAdmin
from sejahtera.registry.models import (
    ChangeRecord,
    DuplicateCandidate,
    Household,
    ImportRun,
    Person,
    Region,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class PersonInline(admin.TabularInline):
    model = Person
    fields = ("external_id", "nik", "full_name", "sex", "birth_date", "relationship")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kk_number", "village", "updated_at")
    search_fields = ("external_id", "kk_number")
    raw_id_fields = ("village", "source_import")
    readonly_fields = ("created_at", "updated_at", "version", "source_import")
    inlines = [PersonInline]
    list_select_related = ("village",)
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("external_id", "nik", "full_name", "sex", "birth_date", "relationship")
    list_filter = ("sex", "relationship")
    search_fields = ("=external_id", "=nik", "full_name")
    raw_id_fields = ("household", "source_import")
    readonly_fields = ("created_at", "updated_at", "version", "source_import", "nik_warnings")
    show_full_result_count = False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "started_at", "finished_at", "created_by", "households_file")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportRun._meta.fields]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(AuditTrailAdmin):
    list_display = ("changed_at", "entity", "record_id", "action", "actor", "import_run")
    list_filter = ("entity", "action")
    search_fields = ("=record_id",)


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("person", "other", "reason", "status", "detected_at")
    list_filter = ("reason", "status")
    raw_id_fields = ("person", "other", "import_run")
