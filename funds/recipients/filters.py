"""Filters of the 在册对象 list, shared by the page, its export and the API (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from funds.recipients.models import Recipient, RecipientStatus
from relief.models import AssistanceType, Region
from relief.scoping import townships_for_user, villages_for_user


def _townships(request):
    return townships_for_user(request.user) if request else Region.objects.none()


def _villages(request):
    return villages_for_user(request.user) if request else Region.objects.none()


class RecipientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="姓名/身份证号")
    assistance_type = django_filters.ModelChoiceFilter(
        queryset=AssistanceType.objects.filter(active=True),
        field_name="assistance_type",
        label="救助类型",
        empty_label="全部",
    )
    status = django_filters.MultipleChoiceFilter(choices=RecipientStatus.choices, label="状态")
    township = django_filters.ModelChoiceFilter(
        queryset=_townships, label="乡镇(街道)", empty_label="全部"
    )
    village = django_filters.ModelChoiceFilter(
        queryset=_villages, label="村(社区)", empty_label="全部"
    )
    amount_min = django_filters.NumberFilter(
        field_name="monthly_amount", lookup_expr="gte", label="月发放额不低于"
    )
    amount_max = django_filters.NumberFilter(
        field_name="monthly_amount", lookup_expr="lte", label="月发放额不高于"
    )
    account = django_filters.ChoiceFilter(
        choices=[("missing", "待补账户"), ("present", "已登记账户")],
        method="filter_account",
        label="发放账户",
        empty_label="全部",
    )

    class Meta:
        model = Recipient
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(head_name__contains=value) | Q(head_id_number=value.upper()))

    def filter_account(self, queryset, name, value):
        if value == "missing":
            return queryset.filter(bank_account__isnull=True)
        if value == "present":
            return queryset.filter(bank_account__isnull=False)
        return queryset
