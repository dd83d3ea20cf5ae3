"""Django admin for the core models, for administrators only (is_staff and the
administrator role). Every model keeps its simple-history record, and region-bound rows
are scoped to the administrator's county through the selectors. The /manage/ pages are
the everyday tool; this admin is the fallback."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from relief import selectors
from relief.masking import mask_id_number
from relief.models import (
    AssistanceType,
    DataReveal,
    Delegation,
    DelegationEvent,
    Notification,
    PolicySetting,
    Region,
    User,
    WorkdayOverride,
)
from relief.services import _check_id_number

admin.site.site_header = "乡镇社会救助审核确认系统 · 后台"
admin.site.site_title = "救助系统后台"
admin.site.index_title = "数据管理"


def _is_admin(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.is_administrator


def _site_has_permission(request) -> bool:
    """Only administrators enter the Django admin, whatever is_staff says."""
    return _is_admin(request)


admin.site.has_permission = _site_has_permission


class AdministratorOnly:
    """Administrators (role, not only superusers) may read and change core rows here."""

    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)

    def has_add_permission(self, request, *args):
        return _is_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReadOnly(AdministratorOnly):
    """Rows written only through services (append-only logs, effective-dated settings)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent", "active"]
    list_filter = ["level", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]

    def get_queryset(self, request):
        return selectors.region_list_for_user(user=request.user)


class MaskedIdUserChangeForm(UserChangeForm):
    """The admin's user form never carries a staff member's ID number in clear (PIPL; there
    is no reveal on this page): the field starts blank with the masked number as its help,
    a blank field keeps the registered number, a new one replaces it, the box removes it.
    The same form renders simple-history's past versions, masked alike."""

    clear_id_number = forms.BooleanField(label="删除已登记的身份证号", required=False)

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "id_number" not in self.fields:
            return
        self.registered_id_number = self.instance.id_number if self.instance.pk else ""
        self.initial["id_number"] = ""
        if self.registered_id_number:
            self.fields["id_number"].help_text = (
                f"已登记：{mask_id_number(self.registered_id_number)}（不显示完整号码）；"
                "留空则保持不变，填写则替换"
            )

    def clean_id_number(self):
        try:  # the /manage/ pages' own check
            return _check_id_number(self.cleaned_data.get("id_number", ""))
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["id_number"]) from exc

    def clean(self):
        data = super().clean()
        if "id_number" in self.fields and not data.get("id_number"):
            keep = not data.get("clear_id_number")
            data["id_number"] = self.registered_id_number if keep else ""
        elif data.get("clear_id_number"):
            self.add_error("id_number", "删除已登记的身份证号时请勿同时填写新号码")
        return data


class MaskedIdHistoryHelper(HistoricalRecordContextHelper):
    """The admin's change history of a user shows ID numbers masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "id_number":
            return mask_id_number(str(value or ""))
        return super().prepare_delta_change_value(change, value)


@admin.register(User)
class UserAdmin(AdministratorOnly, DjangoUserAdmin, SimpleHistoryAdmin):
    form = MaskedIdUserChangeForm
    list_display = ["username", "full_name", "role", "extra_role", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["region"]
    raw_id_fields = ["region"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            "个人信息",
            {"fields": ["full_name", "phone", "id_number", "clear_id_number", "email"]},
        ),
        ("角色与区划", {"fields": ["role", "extra_role", "region"]}),
        (
            "状态",
            {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]},
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff"]
        return fields

    def get_queryset(self, request):
        return selectors.user_list_for_user(user=request.user)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedIdHistoryHelper(self.model, historical_record)


class DelegationEventInline(admin.TabularInline):
    model = DelegationEvent
    extra = 0
    can_delete = False
    fields = ["status", "effective_date", "reason", "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # status changes go through relief.delegation.delegation_change_status


@admin.register(Delegation)
class DelegationAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = [
        "township",
        "assistance_type",
        "document_no",
        "effective_from",
        "effective_until",
        "phase",
        "status",
    ]
    list_filter = ["phase", "status", "assistance_type"]
    search_fields = ["document_no", "township__name"]
    list_select_related = ["township", "assistance_type"]
    inlines = [DelegationEventInline]
    readonly_fields = ["status", "status_reason"]

    def get_queryset(self, request):
        return selectors.delegation_list_for_user(user=request.user)


@admin.register(DelegationEvent)
class DelegationEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["delegation", "status", "effective_date", "reason", "actor", "created_at"]
    list_select_related = ["delegation__township", "delegation__assistance_type", "actor"]

    def get_queryset(self, request):
        return selectors.delegation_events_for_user(user=request.user)


@admin.register(PolicySetting)
class PolicySettingAdmin(ReadOnly, SimpleHistoryAdmin):
    """Read-only: a new value is a new row written by relief.policy.policy_set (the
    /manage/policies/ pages), so the value in force on any past date stays answerable."""

    list_display = ["region", "key", "value", "effective_from", "note", "created_by", "created_at"]
    list_filter = ["key"]
    list_select_related = ["region", "created_by"]

    def get_queryset(self, request):
        return selectors.policy_settings_for_user(user=request.user)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def has_delete_permission(self, request, obj=None):
        return _is_admin(request)


@admin.register(AssistanceType)
class AssistanceTypeAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "subtype", "workflow", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["category", "workflow", "active"]


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["recipient", "verb", "created_at", "read_at"]
    list_select_related = ["recipient"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(recipient__in=selectors.user_list_for_user(user=request.user))
        )


@admin.register(DataReveal)
class DataRevealAdmin(ReadOnly, admin.ModelAdmin):
    """The reveal log, read-only (the county reviews it at /personal-data/reveals/)."""

    list_display = ["at", "user", "kind", "subject_name", "township", "path", "client_address"]
    list_select_related = ["user", "township"]
    list_filter = ["kind"]
    date_hierarchy = "at"
