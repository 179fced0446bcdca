"""The Kelengkapan Laporan view in a real Airflow API server, driven by Debian's Chromium.

The demo drive (rekap.dev.demo: Banten, January–February 2026) is taken in and consolidated by
the real code into a SQLite warehouse; one ``airflow api-server`` (SQLite metadata, simple
auth manager) serves the UI with the project's plugin. The operator logs in, opens the view
from the navigation, reads known cells of the demo's matrix, downloads a feedback workbook and
the leadership workbook; without a login the view and its downloads are refused.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from rekap.dev.airflow_local import PROJECT_ROOT
from ui_stack import ADMIN_USER, ApiServer, demo_warehouse

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

CHROMIUM = os.environ.get("REKAP_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "kelengkapan-laporan.png"
VIEW = "/rekap/kelengkapan"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui-view")
    started = time.monotonic()
    server = ApiServer(base, demo_warehouse(base))
    try:
        server.start()
    except BaseException:
        print(server.log_tail())
        server.stop()
        raise
    print(f"demo warehouse and API server ready in {time.monotonic() - started:.0f}s at {server.base_url}")
    yield server
    server.stop()


def test_anonymous_requests_are_refused(server):
    for path in (
        VIEW,
        f"{VIEW}?periode=2026-B1",
        "/rekap/unduh/umpan-balik/1",
        "/rekap/unduh/laporan/2026-B1",
    ):
        resp = httpx.get(f"{server.base_url}{path}", timeout=60)
        assert resp.status_code == 401, (path, resp.status_code, resp.text[:200])
        assert "Kab/Kota" not in resp.text
    forged = httpx.get(f"{server.base_url}{VIEW}", cookies={"_token": "not-a-jwt"}, timeout=60)
    assert forged.status_code in (401, 403)
    # the REST API's bearer token is a login too (for scripts)
    token = server.token()
    page = httpx.get(
        f"{server.base_url}{VIEW}?periode=2026-B1", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert page.status_code == 200 and 'id="sel-3672-2026-02" data-status="belum_masuk"' in page.text


def test_operator_opens_the_view_from_the_navigation(server, tmp_path):
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM} (CI must run the browser tests)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            # an operator's browser in the province: the UI shows its times in WIB
            context = browser.new_context(
                viewport={"width": 1400, "height": 1100}, timezone_id="Asia/Jakarta", accept_downloads=True
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)  # a busy 2-core machine renders slowly

            # without a login the view is refused, even typed into the address bar
            refused = page.goto(f"{server.base_url}{VIEW}")
            assert refused.status == 401

            page.goto(f"{server.base_url}/")
            page.wait_for_url("**/auth/login**")
            page.get_by_label("Username").fill(ADMIN_USER)
            page.get_by_label("Password").fill(server.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))

            page.get_by_role("link", name="Laporan", exact=True).click()
            page.wait_for_url("**/plugin/kelengkapan-laporan**")
            view = page.frame_locator("iframe").first
            expect(view.get_by_role("heading", name=re.compile("^Kelengkapan Laporan"))).to_be_visible()
            view.get_by_label("Pilih periode").select_option("2026-B1")
            view.get_by_role("button", name="Tampilkan").click()
            expect(view.get_by_text("Periode 2026-B1")).to_be_visible()

            missing = view.locator("#sel-3672-2026-02")  # Kota Cilegon never sent February
            expect(missing).to_have_attribute("data-status", "belum_masuk")
            expect(missing).to_contain_text("Belum masuk")
            late = view.locator("#sel-3603-2026-01")  # Kabupaten Tangerang's January came on 9 February
            expect(late).to_have_attribute("data-status", "terlambat")
            expect(late).to_contain_text("4 hari (masuk 09/02/2026)")
            expect(view.locator("#sel-3601-2026-01")).to_have_attribute("data-status", "tepat_waktu")
            expect(view.locator("#matrix tfoot")).to_contain_text("7 dari 8")
            expect(view.locator("#rejections")).to_contain_text("scan_laporan_februari.xlsx")
            expect(view.locator("#inbox")).to_contain_text("inbox/laporan_tanpa_folder.xlsx")
            page.screenshot(path=str(SCREENSHOT))

            with page.expect_download() as feedback:
                late.get_by_role("link", name="umpan balik").click()
            saved = tmp_path / feedback.value.suggested_filename
            feedback.value.save_as(saved)
            assert re.fullmatch(r"Umpan_Balik_3603_2026-01_(DITERIMA|CATATAN)_\d{8}-\d{6}\.xlsx", saved.name)
            assert load_workbook(saved, read_only=True).sheetnames[0] == "Ringkasan"

            with page.expect_download() as report:
                view.locator("#leadership").click()
            # consolidated, not yet approved: the operator gets the draft, named as one
            assert report.value.suggested_filename == "Laporan_Komprehensif_36_2026-B1_DRAF.xlsx"
        except BaseException:
            if "page" in locals():
                page.screenshot(path=str(SCREENSHOT.with_name("kelengkapan-laporan-failure.png")))
            raise
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
    if os.environ.get("REKAP_UPDATE_DOCS_SCREENSHOT") == "1":  # refresh the README's picture on request
        shutil.copyfile(SCREENSHOT, PROJECT_ROOT / "docs" / "kelengkapan-laporan.png")
