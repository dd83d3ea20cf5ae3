import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cases.intake.check_import import ImportRejected, check_results_import
from cases.intake.services.checks import check_request
from cases.intake.tests.helpers import APPLICANT_ID, SPOUSE_ID, accepted, application
from cases.models import CheckImportBatch, CheckMemberResult, EconomicCheck
from tests.factories import make_id_number

HEADER = "案件编号,身份证号,姓名,月收入,存款,车辆数,房产数,工商登记,核对结论,结论说明,备注"


@pytest.fixture
def two_requests(demo):
    clerk = demo.user("clerk")
    a = accepted(application(clerk), clerk)
    check_request(case=a, actor=clerk)

    other_id = make_id_number(birth=datetime.date(1948, 6, 6), seq=31)
    b = application(
        demo.user("clerk_huangchi"),
        members=[
            {"name": "赵老汉", "id_number": other_id, "relation": "self", "hukou_type": "rural"}
        ],
    )
    accepted(b, demo.user("clerk_huangchi"))
    check_request(case=b, actor=demo.user("clerk_huangchi"))
    return a, b, other_id


def csv_bytes(lines):
    return ("\ufeff" + "\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def good_lines(a, b, other_id):
    return [
        f"{a.number},{APPLICANT_ID},王德福,0,1200.50,0,0,否,符合条件,收入低于标准,",
        f"{a.number},{SPOUSE_ID},李秀兰,450,0,0,1,否,符合条件,,",
        f"{b.number},{other_id},赵老汉,100,0,0,0,否,符合条件,,",
    ]


def test_a_good_csv_returns_every_check_and_reimporting_it_changes_nothing(demo, two_requests):
    a, b, other_id = two_requests
    verifier = demo.user("verifier")
    content = csv_bytes(good_lines(a, b, other_id))
    result = check_results_import(actor=verifier, content=content, file_name="结果.csv")
    assert sorted(result.returned) == sorted([a.number, b.number])
    assert EconomicCheck.objects.filter(status="returned").count() == 2
    a.refresh_from_db()
    assert a.check_status == "returned"
    snapshot = (
        CheckMemberResult.objects.count(),
        CheckImportBatch.objects.count(),
        list(EconomicCheck.objects.values("pk", "status", "returned_at")),
    )
    again = check_results_import(actor=verifier, content=content, file_name="结果.csv")
    assert again.already_imported
    # the same rows in another file (e.g. re-exported as XLSX) are recognised as unchanged
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for line in good_lines(a, b, other_id):
        ws.append(
            [
                c if not c.replace(".", "").isdigit() or len(c) > 10 else float(c)
                for c in line.split(",")
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    xlsx = check_results_import(actor=verifier, content=buf.getvalue(), file_name="结果.xlsx")
    assert sorted(xlsx.unchanged) == sorted([a.number, b.number]) and not xlsx.returned
    assert (
        CheckMemberResult.objects.count(),
        list(EconomicCheck.objects.values("pk", "status", "returned_at")),
    ) == (snapshot[0], snapshot[2])


def test_a_file_with_bad_rows_is_rejected_whole_listing_every_bad_row(demo, two_requests):
    a, b, other_id = two_requests
    lines = good_lines(a, b, other_id)
    lines[1] = f"{a.number},130402198207290622,李秀兰,450,0,0,1,否,符合条件,,"
    lines.append(f"{b.number},{other_id},赵老汉,-3,0,0,0,也许,符合条件,,")
    lines.append(f"NOPE123,{APPLICANT_ID},王德福,0,0,0,0,否,不知道,,")
    with pytest.raises(ImportRejected) as exc:
        check_results_import(
            actor=demo.user("verifier"), content=csv_bytes(lines), file_name="x.csv"
        )
    by_row = dict(exc.value.errors)
    assert set(by_row) == {3, 5, 6}
    assert "校验码" in by_row[3]
    assert "不能为负数" in by_row[5] and "工商登记" in by_row[5] and "重复" in by_row[5]
    assert "不存在" in by_row[6] and "核对结论" in by_row[6]
    assert not EconomicCheck.objects.filter(status="returned").exists()
    assert not CheckMemberResult.objects.exists() and not CheckImportBatch.objects.exists()


def test_missing_columns_and_wrong_file_types_are_refused(demo, two_requests):
    verifier = demo.user("verifier")
    with pytest.raises(ImportRejected) as exc:
        check_results_import(
            actor=verifier, content="案件编号,姓名\nX,Y\n".encode(), file_name="x.csv"
        )
    assert "缺少必填列" in exc.value.errors[0][1]
    with pytest.raises(ImportRejected):
        check_results_import(actor=verifier, content=b"%PDF-1.4 not a sheet", file_name="x.xlsx")


def test_a_later_file_that_contradicts_a_returned_check_is_rejected(demo, two_requests):
    a, b, other_id = two_requests
    verifier = demo.user("verifier")
    check_results_import(
        actor=verifier, content=csv_bytes(good_lines(a, b, other_id)[:2]), file_name="1.csv"
    )
    changed = [f"{a.number},{APPLICANT_ID},王德福,999,0,0,0,否,符合条件,,"]
    with pytest.raises(ImportRejected) as exc:
        check_results_import(actor=verifier, content=csv_bytes(changed), file_name="2.csv")
    assert "已返回" in exc.value.errors[0][1]


def test_only_the_county_verifier_imports(demo, two_requests):
    with pytest.raises(ImportRejected):
        check_results_import(actor=demo.user("clerk"), content=b"x", file_name="x.csv")


def _zip_bomb(unpacked_mb: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (unpacked_mb * 1024 * 1024))
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it(demo, two_requests, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 2
    with pytest.raises(ImportRejected) as exc:
        check_results_import(actor=demo.user("verifier"), content=_zip_bomb(3), file_name="x.xlsx")
    assert "疑似压缩炸弹" in exc.value.errors[0][1]
    assert not CheckImportBatch.objects.exists()


def test_more_rows_than_the_setting_allows_are_refused_without_reading_them_all(
    demo, two_requests, settings
):
    a, b, other_id = two_requests
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ImportRejected) as exc:
        check_results_import(
            actor=demo.user("verifier"),
            content=csv_bytes(good_lines(a, b, other_id)),
            file_name="x.csv",
        )
    assert exc.value.errors == [(None, "一次最多导入2行，请拆分文件")]
    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    for line in good_lines(a, b, other_id) * 1000:
        workbook.active.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRejected, match="一次最多导入2行"):
        check_results_import(
            actor=demo.user("verifier"), content=buffer.getvalue(), file_name="x.xlsx"
        )


def test_an_upload_over_the_size_cap_is_refused_on_the_page_and_the_api(
    demo, two_requests, settings, client
):
    settings.IMPORT_MAX_MB = 1
    big = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1))
    client.force_login(demo.user("verifier"))
    page = client.post(reverse("cases:check_import"), {"file": big})
    assert "文件超过导入大小限制（不超过1MB）" in page.content.decode()
    big.seek(0)
    api = client.post("/api/intake/checks/import/", {"file": big})
    assert api.status_code == 400
    assert api.json()["rejected"] == [{"row": None, "reason": "文件超过导入大小限制（不超过1MB）"}]
    assert not CheckImportBatch.objects.exists()
