"""Browser check (Debian chromium via Playwright): a county supervisor asks for an archive
export, watches the htmx progress bar count the cases, and downloads a ZIP that verifies.

The test plays the worker while the page polls the live server, so two connections write
and read at the same time: that needs PostgreSQL (SQLite's shared in-memory test database
answers "database table is locked"); CI runs it there."""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from archive.exports import build as export_build_module
from archive.exports.build import export_build
from archive.models import ArchiveExport
from archive.tests.helpers import decided_case
from cases.models import CaseState
from relief.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_a_supervisor_starts_an_export_watches_the_progress_and_downloads_it(
    demo, live_server, browser_session, tmp_path, settings, monkeypatch
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    other_village = Region.objects.filter(parent=demo.gushu).exclude(pk=demo.village.pk).first()
    for village, name in (
        (demo.village, "张三丰"),
        (demo.village, "李四"),
        (other_village, "王五"),
    ):
        decided_case(village, name=name)
    # The job is queued, not run inside the request: this test plays the worker below.
    queued = []
    monkeypatch.setattr(
        "archive.tasks.build_export.delay",
        lambda job_id: queued.append(job_id) or type("Result", (), {"id": ""})(),
    )
    with browser_session("supervisor") as page:
        page.goto(f"{live_server.url}/")
        page.click("nav >> text=档案导出")
        page.check(f"input[name=townships][value='{demo.gushu.pk}']")
        page.check("input[name=types][value=dibao_rural]")
        page.check(f"input[name=states][value={CaseState.PAYING}]")
        page.fill("#id_date_from", "2026-10-01")
        page.fill("#id_date_to", "2026-10-31")
        page.click("[data-testid=export-submit]")
        page.wait_for_selector("[data-testid=export-progress][data-status=pending]")
        assert "0/3 件" in page.inner_text("[data-testid=export-count]")
        # A long settle: a bar swapped in must get its width at the swap, not at the settle
        # (the polled fragment showed a bar without a width until then, a flaky failure).
        page.evaluate("htmx.config.defaultSettleDelay = 500")
        real = export_build_module.case_file_generate
        seen = []

        def generate_when_the_page_has_caught_up(**kwargs):
            # Before each case, the polling page must show the cases done so far.
            done = len(seen)
            page.wait_for_selector(f"[data-testid=export-count]:has-text('{done}/3 件')")
            seen.append(page.get_attribute(".progress-bar", "data-progress"))
            return real(**kwargs)

        monkeypatch.setattr(
            export_build_module, "case_file_generate", generate_when_the_page_has_caught_up
        )
        export_build(queued[0])
        page.wait_for_selector("[data-testid=export-download]")
        assert seen[0] == "0" and 0 < int(seen[1]) < int(seen[2]) < 100
        assert page.evaluate("document.querySelector('.progress-bar').style.width") == "100%"
        with page.expect_download() as download:
            page.click("[data-testid=export-download]")
        path = tmp_path / "export.zip"
        download.value.save_as(path)
    export = ArchiveExport.objects.get(job_id=queued[0])
    assert download.value.suggested_filename == export.file_name
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "out")
    check = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=tmp_path / "out")
    assert check.returncode == 0
