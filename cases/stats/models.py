"""Summary tables of the dashboards and statistics (issue 17): counts kept up to date with
every write of a case or its clock, so that a county's figures are read from a few hundred
summary rows instead of a recount over a million cases.

- ``StateTally`` — cases per township × village × assistance type × state (the home pages).
- ``OpenTally`` — cases whose clock runs, per township × type × state × day of 受理 × the
  clock's overdue / due-soon / paused flags (the dashboard's open cases by stage and by age:
  the age buckets are sums over ``started_on`` ranges, so they move with the date without a
  nightly rewrite; the flags move with the daily scan, which refreshes them).
- ``DecisionTally`` — decided cases with a verdict on their clock, per township × type ×
  decision date × working days taken × on time (on-time counts over any period, and the
  processing-days histogram the median and the 90th percentile are read from).
- ``ThroughputTally`` — clocks started, decided and decided late per township × type ×
  month (the dashboard's monthly chart).
- ``DecidedStateTally`` — decided cases per township × type × decision date × state now
  (the statistics page's newly confirmed and still standing).
- ``TallyMark`` — per case, the keys it is counted under now, so that a write moves the case
  from its old keys to its new ones (−1, +1) without recounting anything.

cases/stats/services.py keeps them; ``manage.py check_summaries`` proves they equal a full
recount."""

from __future__ import annotations

from django.db import models


class StateTally(models.Model):
    township = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    village = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        "relief.AssistanceType", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    state = models.CharField(max_length=30)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "案件状态汇总"
        verbose_name_plural = "案件状态汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "village", "assistance_type", "state"],
                name="state_tally_key",
            )
        ]


class OpenTally(models.Model):
    township = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        "relief.AssistanceType", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    state = models.CharField(max_length=30)
    started_on = models.DateField()
    #: The clock's flags as the daily scan (or the last save) left them.
    overdue = models.BooleanField(default=False)
    due_soon = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "在办时限汇总"
        verbose_name_plural = "在办时限汇总"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "township",
                    "assistance_type",
                    "state",
                    "started_on",
                    "overdue",
                    "due_soon",
                    "paused",
                ],
                name="open_tally_flags_key",
            )
        ]


class DecisionTally(models.Model):
    township = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        "relief.AssistanceType", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    decided_on = models.DateField()
    elapsed_wd = models.IntegerField()
    on_time = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "办结时限汇总"
        verbose_name_plural = "办结时限汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "assistance_type", "decided_on", "elapsed_wd", "on_time"],
                name="decision_tally_key",
            )
        ]
        indexes = [models.Index(fields=["decided_on"], name="decision_tally_day")]


class ThroughputTally(models.Model):
    """Clocks started (``accepted``), decided with a verdict (``decided``) and decided late
    (``late``) per township × type × month: the dashboard's monthly chart."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", "受理"
        DECIDED = "decided", "办结"
        LATE = "late", "超期办结"

    township = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        "relief.AssistanceType", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    month = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "月度办理汇总"
        verbose_name_plural = "月度办理汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "assistance_type", "kind", "month"],
                name="throughput_tally_key",
            )
        ]


class DecidedStateTally(models.Model):
    """Decided cases (with a decision date, verdict on the clock or not) per township × type
    × decision date × state now: the statistics page's "newly confirmed and still standing"."""

    township = models.ForeignKey(
        "relief.Region", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        "relief.AssistanceType", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    decided_on = models.DateField()
    state = models.CharField(max_length=30)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "决定状态汇总"
        verbose_name_plural = "决定状态汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "assistance_type", "decided_on", "state"],
                name="decided_state_tally_key",
            )
        ]


class TallyMark(models.Model):
    """The keys one case is counted under (null: not counted in that summary)."""

    # No database constraint, like the region and type columns below: the marks are derived
    # (``check_summaries`` proves them against a recount), written only by the services
    # next to the case they count, and Django's CASCADE still removes a case's mark; the
    # constraint cost a check per case inserted (each of a campaign's 100,000).
    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="tally_mark",
        db_constraint=False,
    )
    township_id = models.IntegerField()
    village_id = models.IntegerField()
    assistance_type_id = models.IntegerField()
    state = models.CharField(max_length=30)
    started_on = models.DateField(null=True)
    decided_on = models.DateField(null=True)
    elapsed_wd = models.IntegerField(null=True)
    on_time = models.BooleanField(null=True)
    overdue = models.BooleanField(null=True)
    due_soon = models.BooleanField(null=True)
    paused = models.BooleanField(null=True)
    #: The clock's start (any clock) and, for a decision with a verdict, its stop and lateness.
    accepted_on = models.DateField(null=True)
    closed_on = models.DateField(null=True)
    late = models.BooleanField(null=True)
    #: The case's decision date, verdict or not.
    case_decided_on = models.DateField(null=True)
    #: The case's registration time: the case list's order (newest first), so that a list
    #: filtered on 超期 / 临期 reads its page's ids from the marks by the partial indexes
    #: below (cases.workflow.filters.flagged_window) instead of walking the region's cases
    #: newest first and checking each one's clock.
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "案件汇总标记"
        verbose_name_plural = "案件汇总标记"
        indexes = [
            models.Index(
                region,
                "state",
                models.F("created_at").desc(),
                models.F("case_id").desc(),
                name=f"mark_{flag}_{region.split('_')[0]}",
                condition=condition,
            )
            for flag, condition in (
                ("overdue", models.Q(overdue=True)),
                ("soon", models.Q(due_soon=True, overdue=False)),
            )
            for region in ("township_id", "village_id")
        ]
