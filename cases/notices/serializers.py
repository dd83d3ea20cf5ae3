"""Typed shapes of the notice API (cases/notices/apis.py): what a batch, its households and
an objection look like, and the input of each write. Entries carry what the paper shows
(masked name, village group, household size, amount) and the case, never an ID number or address."""

from __future__ import annotations

from rest_framework import serializers

from cases.notices.models import BatchState, NoticeKind, Objection
from cases.notices.services import OBJECTION_MAX_CHARS


class NoticeEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    masked_name = serializers.CharField(help_text="公示姓名（发布时按脱敏规则冻结）")
    village_group = serializers.CharField(help_text="村民小组（发布时冻结；未登记时为空）")
    household_size = serializers.IntegerField()
    amount_text = serializers.CharField(help_text="月保障金额或“拟保障”")
    outcome = serializers.CharField(help_text="空：公示中；closed：期满转下一步；objection：异议")


class NoticeBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.ChoiceField(choices=BatchState.choices)
    state_label = serializers.CharField(source="get_state_display")
    township = serializers.IntegerField(source="township_id")
    township_name = serializers.CharField(source="township.name")
    village = serializers.IntegerField(source="village_id")
    village_name = serializers.CharField(source="village.name")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    days = serializers.IntegerField()
    place = serializers.CharField()
    phone = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    photo_uploaded_at = serializers.DateTimeField(allow_null=True)
    photo_sha256 = serializers.CharField(help_text="张贴照片的SHA-256（未上传时为空）")
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField()


class NoticeBatchDetailSerializer(NoticeBatchSerializer):
    entries = NoticeEntrySerializer(many=True, source="entries.all")


class NoticeBatchCreateSerializer(serializers.Serializer):
    village = serializers.IntegerField(min_value=1, help_text="村(社区)的区划id")
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )
    starts_on = serializers.DateField()
    days = serializers.IntegerField(
        min_value=1, max_value=365, required=False, help_text="公示天数（日历日），默认按政策"
    )
    place = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40)


class NoticeBatchRemoveSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)


class NoticeBatchPhotoSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="张贴照片（JPEG或PNG，按文件内容识别）")


class NoticeBatchWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    batch_number = serializers.CharField(source="batch.number", default="", allow_null=True)
    channel = serializers.ChoiceField(choices=Objection.Channel.choices)
    channel_label = serializers.CharField(source="get_channel_display")
    is_complaint = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    raised_by = serializers.CharField()
    contact = serializers.CharField()
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=Objection.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    received_at = serializers.DateTimeField()
    feedback = serializers.CharField()
    feedback_at = serializers.DateTimeField(allow_null=True)


class ObjectionRecordedSerializer(serializers.Serializer):
    objection = ObjectionSerializer()
    message = serializers.CharField(help_text="登记结果：转入异议复查，或按投诉登记")


class ObjectionCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    batch = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    text = serializers.CharField(max_length=OBJECTION_MAX_CHARS)
    raised_by = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=60, required=False, allow_blank=True)
    anonymous = serializers.BooleanField(default=False)


class ObjectionFeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=2000)
