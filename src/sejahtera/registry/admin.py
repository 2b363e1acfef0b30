from django.contrib import admin

from sejahtera.accounts.admin import AuditTrailAdmin, ReadsLoggedAdmin
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


class RegistryRecordAdmin(ReadsLoggedAdmin):
    """Households and persons are read here, never written: a change goes through the
    registry's services (its checks, the change history, the record's version)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(RegistryRecordAdmin):
    list_display = ("external_id", "kk_number", "village", "updated_at")
    search_fields = ("external_id", "kk_number")
    inlines = [PersonInline]
    list_select_related = ("village",)
    show_full_result_count = False

    def reads(self, objects):
        members = Person.objects.filter(household__in=objects).values_list("pk", flat=True)
        return {"person": list(members)}


@admin.register(Person)
class PersonAdmin(RegistryRecordAdmin):
    list_display = ("external_id", "nik", "full_name", "sex", "birth_date", "relationship")
    list_filter = ("sex", "relationship")
    search_fields = ("=external_id", "=nik", "full_name")
    show_full_result_count = False

    def reads(self, objects):
        return {"person": [person.pk for person in objects]}


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "started_at", "finished_at", "created_by", "households_file")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False  # its records name it as their source: who registered them, and when


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadsLoggedAdmin, AuditTrailAdmin):
    list_display = ("changed_at", "entity", "record_id", "action", "actor", "import_run")
    list_filter = ("entity", "action")
    search_fields = ("=record_id",)

    def reads(self, objects):
        """A change's values are its record's (a person's health, say): read as that record."""
        records: dict[str, list[int]] = {}
        for change in objects:
            records.setdefault(change.entity, []).append(change.record_id)
        return records


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ReadsLoggedAdmin):
    list_display = ("person", "other", "reason", "status", "detected_at")
    list_filter = ("reason", "status")
    raw_id_fields = ("person", "other", "import_run")

    def reads(self, objects):
        """A pair names both persons (a child among them, perhaps)."""
        return {"person": sorted({p for pair in objects for p in (pair.person_id, pair.other_id)})}
