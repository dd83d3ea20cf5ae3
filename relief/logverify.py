"""Verification of the hash-chained logs (relief/logchain.py): ``manage.py verify_log`` and
the nightly beat task ``relief.tasks.verify_log`` walk every chain of every chained model and
name the first bad row of each broken chain; the task alerts the county supervisors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q

from relief.logchain import GENESIS, ChainedLog, row_hash
from relief.models import Role, User
from relief.notifications import notify


def chained_models() -> list[type[ChainedLog]]:
    return sorted(
        (m for m in apps.get_models() if issubclass(m, ChainedLog)),
        key=lambda m: m._meta.label,
    )


@dataclass(frozen=True)
class Break:
    """The first bad row of one chain."""

    model: str
    table: str
    chain: int
    pk: int
    reason: str

    def __str__(self) -> str:
        return f"{self.model} #{self.pk}（{self.table}，链 {self.chain}）：{self.reason}"


@dataclass
class ChainReport:
    model: str
    chains: int = 0
    rows: int = 0
    unsealed: int = 0  # rows written before the table was chained (leading, never after)
    breaks: list[Break] | None = None


def verify_model(model: type[ChainedLog]) -> ChainReport:
    """Walk every chain of ``model`` in order; one Break (the first bad row) per broken chain."""
    key = model._meta.get_field(model.chain_on).attname
    names = [f.attname for f in model._meta.concrete_fields]
    report = ChainReport(model=model._meta.label, breaks=[])
    chain_id: object = object()
    expected_prev, broken, sealed_seen = GENESIS, False, False
    rows: Iterator[tuple] = (
        model._base_manager.order_by(key, "pk").values_list(*names).iterator(chunk_size=2000)
    )
    for row in rows:
        values = dict(zip(names, row, strict=True))
        if values[key] != chain_id:
            chain_id, expected_prev, broken, sealed_seen = values[key], GENESIS, False, False
            report.chains += 1
        report.rows += 1
        if broken:
            continue
        reason = None
        if not values["hash"] and not values["prev_hash"]:
            if sealed_seen:
                reason = "哈希为空：该行在链开始后被改写或插入"
            else:
                report.unsealed += 1
                continue
        elif values["prev_hash"] != expected_prev:
            reason = "前一条哈希不符：其前有行被删除、插入或改写"
        elif row_hash(model, values, values["prev_hash"]) != values["hash"]:
            reason = "内容与哈希不符：该行被改写"
        if reason:
            report.breaks.append(
                Break(model._meta.label, model._meta.db_table, values[key], values["id"], reason)
            )
            broken = True
            continue
        sealed_seen, expected_prev = True, values["hash"]
    return report


def verify_all() -> list[ChainReport]:
    return [verify_model(model) for model in chained_models()]


def log_check_and_alert() -> list[ChainReport]:
    """Verify every chain; on a break, tell every county supervisor (once per break)."""
    reports = verify_all()
    breaks = [b for r in reports for b in (r.breaks or [])]
    if breaks:
        supervisors = User.objects.filter(is_active=True).filter(
            Q(role=Role.COUNTY_SUPERVISOR) | Q(extra_role=Role.COUNTY_SUPERVISOR)
        )
        for b in breaks:
            notify(
                supervisors,
                verb=f"日志完整性校验发现异常：{b}",
                dedupe_key=f"log-break-{b.table}-{b.pk}",
                after_commit=False,
            )
    return reports
