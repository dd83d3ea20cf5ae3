"""Admin of the register. The change log, the reveal log and applied 调标 runs are
read-only (append-only in the database on PostgreSQL); recipients and accounts change only
through the services, so the admin shows them without edit rights either."""

from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from cases.intake.idnumbers import mask
from funds.recipients.models import (
    BankAccount,
    Recipient,
    RecipientChange,
    StandardAdjustmentLine,
    StandardAdjustmentRun,
)


@admin.register(Recipient)
class RecipientAdmin(ReadOnlyAdmin):
    list_display = (
        "head_name",
        "assistance_type",
        "township",
        "village",
        "status",
        "monthly_amount",
        "first_month",
    )
    list_filter = ("status", "assistance_type")
    search_fields = ("head_name", "head_id_number", "case__number")
    list_select_related = ("assistance_type", "township", "village")
    # Masked here too (PIPL): the full number is seen only through the logged reveal.
    exclude = ("head_id_number",)
    readonly_fields = ("masked_head_id_number",)

    @admin.display(description="户主(申请人)身份证号（脱敏）")
    def masked_head_id_number(self, obj):
        return mask(obj.head_id_number)


@admin.register(RecipientChange)
class RecipientChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "recipient",
        "kind",
        "effective_month",
        "status",
        "monthly_amount",
        "actor_name",
        "actor_role",
        "source_label",
    )
    list_filter = ("kind", "status")
    search_fields = ("recipient__head_name", "reason", "source_label")
    list_select_related = ("recipient", "recipient__assistance_type")
    date_hierarchy = "created_at"


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    """Masked here too: a full number is seen only through the logged reveal."""

    list_display = ("household", "holder_name", "bank", "kind", "masked", "is_active", "created_at")
    exclude = ("account_number",)
    readonly_fields = ("masked",)
    list_filter = ("bank", "kind", "is_active")


class StandardAdjustmentLineInline(admin.TabularInline):
    model = StandardAdjustmentLine
    fields = ("recipient", "status", "old_amount", "new_amount")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0


@admin.register(StandardAdjustmentRun)
class StandardAdjustmentRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "county",
        "assistance_type",
        "area",
        "effective_month",
        "status",
        "households",
        "old_total",
        "new_total",
        "applied_at",
    )
    list_filter = ("status", "area")
    inlines = [StandardAdjustmentLineInline]
