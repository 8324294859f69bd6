"""The 验证 Verify button recomputes the proof in Debian's chromium with Web Crypto: ✓ for an intact
record, ✗ after its leaf bytes are rewritten in SQL. Also the JS hashing against the CT reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ledger_helpers import CT_LEAVES, CT_ROOTS, add_records, add_subject, edit_page, make_settings

from helpers import live
from helpers.provision import require_or_skip
from xinyong.console.templating import env
from xinyong.ledger import service
from xinyong.store.db import make_engine, session_scope
from xinyong.store.migrate import upgrade

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("XINYONG_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A small logged store served by uvicorn on a free loopback port (a secure context for Web Crypto)."""
    from xinyong.app import create_app

    tmp = tmp_path_factory.mktemp("ledger-browser")
    url = f"sqlite:///{tmp / 'x.db'}"
    upgrade(url)
    settings = make_settings(url, tmp)
    engine = make_engine(url)
    with session_scope(engine) as s:
        add_subject(s)
        proofs = service.record_proofs(s, [r.id for r in add_records(s, 6)], settings=settings)
    with live.served(create_app(settings)) as base:
        yield base, engine, proofs
    engine.dispose()


@pytest.fixture(scope="module")
def page(served):
    if not Path(CHROMIUM).exists():
        require_or_skip("browser", f"no chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
        except Exception as exc:  # noqa: BLE001 - any launch failure means "unavailable"
            require_or_skip("browser", f"chromium did not start: {exc}")
        tab = browser.new_page()
        tab.goto(served[0] + "/healthz")  # same origin as the API
        yield tab
        browser.close()


def _show_badges(page, proofs) -> None:
    html = env.get_template("ledger_badge.html").render(ledger_proofs=proofs)
    page.set_content(html)
    page.wait_for_function("() => document.documentElement.hasAttribute('data-ledger-verify-bound')")


def test_js_hashing_matches_the_reference_roots(page):
    _show_badges(page, {})
    got = page.evaluate(
        """async (leaves) => {
            const L = window.XinyongLedger;
            const hs = [];
            for (const h of leaves) hs.push(await L.leafHash(L.hexToBytes(h)));
            async function mth(a) {  // RFC 6962 §2.1, for the test only
                if (a.length === 1) return a[0];
                let k = 1; while (k * 2 < a.length) k *= 2;
                return L.nodeHash(await mth(a.slice(0, k)), await mth(a.slice(k)));
            }
            const out = [];
            for (let n = 1; n <= hs.length; n++) out.push(L.bytesToHex(await mth(hs.slice(0, n))));
            return out;
        }""",
        CT_LEAVES,
    )
    assert got == CT_ROOTS[1:]


def test_verify_button_accepts_an_intact_record_and_rejects_a_rewritten_leaf(page, served):
    _, engine, proofs = served
    _show_badges(page, proofs)
    first = list(proofs.values())[0]
    page.click(f'[data-record-id="{first["record_id"]}"]')
    result = page.locator(".ledger-result").first
    result.wait_for(state="attached")
    page.wait_for_function("() => document.querySelector('[data-ledger-result]') !== null")
    assert result.get_attribute("data-ledger-result") == "ok", result.text_content()
    assert "✓" in result.text_content() and "签名有效" in result.text_content()

    victim = list(proofs.values())[2]
    index = victim["leaf_index"]
    with session_scope(engine) as s:
        data = service.read_leaves(s, [index])[index].data
    with engine.begin() as conn:  # rewrite the leaf's bytes inside its page, behind the log's back
        edit_page(conn, index, data=data.replace(b"record.collected", b"record.collectex"))
    page.click(f'[data-record-id="{victim["record_id"]}"]')
    bad = page.locator(".ledger-result").nth(2)
    page.wait_for_function("() => document.querySelectorAll('[data-ledger-result]').length === 2")
    assert bad.get_attribute("data-ledger-result") == "bad"
    assert "✗" in bad.text_content()


def test_a_record_on_the_public_card_is_verified_in_the_browser(page, served):
    """Done-when of issue 5: from the public card, an outsider's browser checks a record's proof."""
    base, _, proofs = served
    page.goto(f"{base}/c/S0001?as_of=2026-06-01")
    page.click("[data-ledger-load]")
    page.wait_for_function("() => document.querySelector('[data-ledger-loaded]') !== null")
    assert page.locator("[data-ledger-subject] .ledger-badge").count() == len(proofs)
    intact = next(iter(proofs))  # the other test rewrites the third record's leaf, never the first
    badge = page.locator(f'[data-ledger-subject] .ledger-badge:has([data-record-id="{intact}"])')
    badge.locator("[data-ledger-verify]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-ledger-subject] .ledger-result[data-ledger-result]') !== null"
    )
    result = badge.locator(".ledger-result")
    assert result.get_attribute("data-ledger-result") == "ok", result.text_content()
