"""Register pages: the 在册对象 list with filters, totals and XLSX export; a recipient's page
with its signed change history and its account (masked; logged reveal); the account form;
the county's 调标 preview and apply. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.models import Member
from funds.recipients import adjustments
from funds.recipients.exports import recipients_xlsx
from funds.recipients.forms import AdjustmentPreviewForm, BankAccountForm, RevealForm
from funds.recipients.selectors import (
    adjustment_run_get_for_user,
    adjustment_runs_for_user,
    bank_accounts_of_household,
    funeral_reminder_of_recipient,
    recipient_changes,
    recipient_get_for_user,
    recipient_page_list_for_user,
    recipient_totals,
)
from funds.recipients.services import (
    ACCOUNT_ROLES,
    bank_account_reveal,
    bank_account_set,
    may_reveal,
)
from relief.forms import apply_errors, errors_at_fields
from relief.models import Role
from relief.personal_data import reveal_where

PAGE_SIZES = (20, 50, 100)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", 20))
    except ValueError:
        return 20
    return size if size in PAGE_SIZES else 20


def _filtered(request):
    filterset = recipient_page_list_for_user(
        user=request.user, params=request.GET or None, request=request
    )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs


@login_required
def recipient_list(request):
    """Current recipients of the user's region, filtered, with counts and monthly totals
    (one aggregate query) and the XLSX export of the same filtered list."""
    filterset, qs = _filtered(request)
    paginator = Paginator(qs, _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "funds/recipients/list.html",
        {
            "page_title": "在册对象",
            "filter": filterset,
            "page_obj": page,
            "totals": recipient_totals(qs),
            "query": query.urlencode(),
            "page_sizes": PAGE_SIZES,
            "per_page": _page_size(request),
        },
    )


@login_required
def recipient_export(request):
    _, qs = _filtered(request)
    response = HttpResponse(
        recipients_xlsx(qs),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"在册对象_{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _detail_context(request, recipient, **extra) -> dict:
    account = recipient.bank_account
    members = list(recipient.household.members.order_by("pk"))
    changes = list(recipient_changes(recipient=recipient))
    covered = set(changes[0].covered_member_ids) if changes else set()
    return {
        "page_title": f"在册对象 {recipient.head_name}",
        "recipient": recipient,
        "members": [(m, m.pk in covered) for m in members],
        "changes": changes,
        "funeral_reminder": funeral_reminder_of_recipient(recipient=recipient),
        "account": account,
        "accounts": list(bank_accounts_of_household(household=recipient.household)),
        "can_reveal": account is not None and may_reveal(user=request.user, account=account),
        "can_set_account": request.user.has_role(*ACCOUNT_ROLES),
        "reveal_form": extra.pop("reveal_form", None) or RevealForm(),
        **extra,
    }


@login_required
def recipient_detail(request, pk):
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    return render(request, "funds/recipients/detail.html", _detail_context(request, recipient))


@login_required
@require_POST
def account_reveal(request, pk):
    """The full number is shown once on the answering page and logged; never stored in
    the session or put in a URL."""
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    if recipient.bank_account is None:
        return redirect("recipients:detail", pk=recipient.pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = bank_account_reveal(
                account=recipient.bank_account,
                actor=request.user,
                purpose=form.cleaned_data["purpose"],
                **reveal_where(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
    context = _detail_context(request, recipient, reveal_form=form, revealed=revealed)
    response = render(request, "funds/recipients/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_form(request, pk):
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    if not request.user.has_role(*ACCOUNT_ROLES):
        raise PermissionDenied("只有乡镇经办人或审核确认人可以登记发放账户")
    household = recipient.household
    form = BankAccountForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member: Member | None = data["holder_member"]
        with errors_at_fields(form):
            account = bank_account_set(
                household=household,
                actor=request.user,
                holder_name=data["holder_name"] or (member.name if member else ""),
                holder_member=member,
                agent_reason=data["agent_reason"],
                bank=data["bank"],
                kind=data["kind"],
                account_number=data["account_number"],
            )
            messages.success(request, f"已登记发放账户 {account.masked()}")
            return redirect("recipients:detail", pk=recipient.pk)
    return render(
        request,
        "funds/recipients/account_form.html",
        {"page_title": "登记发放账户", "recipient": recipient, "form": form},
    )


# --- 调标 --------------------------------------------------------------------------------


def _require_supervisor(user) -> None:
    if not user.has_role(Role.COUNTY_SUPERVISOR):
        raise PermissionDenied("调标由县民政局监管人员办理")


@login_required
def adjustment_list(request):
    _require_supervisor(request.user)
    form = AdjustmentPreviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_at_fields(form):
            run = adjustments.standard_adjustment_preview(
                county=request.user.region,
                assistance_type=data["assistance_type"],
                area=data["area"],
                effective_month=data["effective_month"],
                actor=request.user,
            )
            return redirect("recipients:adjustment", pk=run.pk)
    return render(
        request,
        "funds/recipients/adjustments.html",
        {
            "page_title": "调标",
            "form": form,
            "runs": adjustment_runs_for_user(user=request.user)[:50],
        },
    )


@login_required
def adjustment_detail(request, pk):
    run = adjustment_run_get_for_user(user=request.user, pk=pk)
    lines = run.lines.select_related("recipient", "recipient__village").order_by(
        "recipient__village__code", "recipient__pk"
    )
    paginator = Paginator(lines, 100)
    return render(
        request,
        "funds/recipients/adjustment.html",
        {
            "page_title": f"调标批次 {run.pk}",
            "run": run,
            "page_obj": paginator.get_page(request.GET.get("page")),
            "can_apply": request.user.has_role(Role.COUNTY_SUPERVISOR)
            and run.status == run.Status.PREVIEWED,
        },
    )


@login_required
@require_POST
def adjustment_apply(request, pk):
    _require_supervisor(request.user)
    run = adjustment_run_get_for_user(user=request.user, pk=pk)
    try:
        count = adjustments.standard_adjustment_apply(run=run, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(
            request, f"调标已执行：{count} 户自{run.effective_month:%Y年%m月}起按新标准发放"
        )
    return redirect("recipients:adjustment", pk=run.pk)
