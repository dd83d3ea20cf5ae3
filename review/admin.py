"""Read-mostly admin: supervision records change through review/services.py only."""

from django.contrib import admin

from review.models import (
    AmountChange,
    Complaint,
    Filing,
    Query,
    RectificationOrder,
    SpotCheckCampaign,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "township", "assistance_type", "decided_on", "status"]
    list_filter = ["kind", "status", "township"]
    list_select_related = ["case", "township", "assistance_type"]


@admin.register(Query)
class QueryAdmin(ReadOnlyAdmin):
    list_display = ["subject", "case", "township", "status", "created_at"]
    list_select_related = ["case", "township"]


@admin.register(SpotCheckCampaign)
class SpotCheckCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "period_start", "period_end", "seed", "created_at"]


@admin.register(RectificationOrder)
class RectificationOrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "township", "problem_kind", "due_date", "status", "overdue"]
    list_filter = ["status", "overdue", "township"]
    list_select_related = ["township"]


@admin.register(AmountChange)
class AmountChangeAdmin(ReadOnlyAdmin):
    list_display = ["case", "old_amount", "new_amount", "effective_from", "actor", "created_at"]
    list_select_related = ["case", "actor"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["number", "channel", "named", "township", "status", "result"]
    list_filter = ["status", "channel", "named"]
    list_select_related = ["township"]
