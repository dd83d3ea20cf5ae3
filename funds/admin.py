from django.contrib import admin

from funds.models import DibaoBand, LivingStandard, TekunStandard


@admin.register(LivingStandard)
class LivingStandardAdmin(admin.ModelAdmin):
    list_display = ("county", "area", "monthly_amount", "effective_from", "document")
    list_filter = ("area",)


@admin.register(DibaoBand)
class DibaoBandAdmin(admin.ModelAdmin):
    list_display = (
        "county",
        "area",
        "effective_from",
        "gap_from",
        "gap_to",
        "amount_per_person",
        "label",
    )


@admin.register(TekunStandard)
class TekunStandardAdmin(admin.ModelAdmin):
    list_display = (
        "county",
        "area",
        "effective_from",
        "basic_amount",
        "care_self",
        "care_partial",
        "care_full",
    )


# The register's admin lives in its sub-package.
import funds.recipients.admin  # noqa: E402, F401
