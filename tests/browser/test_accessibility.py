# ruff: noqa: E501  (the in-page audit is JavaScript)
"""Accessibility (WCAG 2.1 AA) of the server-rendered pages, in Indonesian: an in-page audit of
every public page (empty and sent back with errors) and of the main staff pages — language, one
h1, ordered headings, landmarks, names, ARIA references, contrast, table captions, chart
alternatives, checkbox groups — and the keyboard and screen-reader behaviour of the forms,
menus, focus indicator and live regions."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sejahtera.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)
AUDIT = r"""() => {
  const out = {lang: document.documentElement.lang, h1: 0, headingSkips: [], landmarks: {}, unnamed: [],
    badRefs: [], dupIds: [], imgNoAlt: [], tablesNoTh: [], tablesNoCaption: [], contrast: [], invalidNoDesc: [],
    clickableNonButtons: []};
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return (r.width > 0 || r.height > 0) && s.visibility !== "hidden" && s.display !== "none"; };
  const desc = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  // headings
  let last = 0;
  document.querySelectorAll("h1,h2,h3,h4,h5,h6").forEach((h) => {
    const lvl = +h.tagName[1]; if (lvl === 1) out.h1++;
    if (last && lvl > last + 1) out.headingSkips.push(`h${last}→h${lvl} "${h.textContent.trim().slice(0, 40)}"`);
    if (!last && lvl !== 1) out.headingSkips.push(`first heading is h${lvl} "${h.textContent.trim().slice(0,40)}"`);
    last = lvl; });
  out.landmarks = {banner: document.querySelectorAll("header, [role=banner]").length,
    main: document.querySelectorAll("main, [role=main]").length, nav: document.querySelectorAll("nav, [role=navigation]").length};
  // names
  const nameOf = (el) => {
    if (el.getAttribute("aria-label")?.trim()) return el.getAttribute("aria-label");
    const lb = el.getAttribute("aria-labelledby"); if (lb) { const t = lb.split(/\s+/).map((i) => document.getElementById(i)?.textContent || "").join(" ").trim(); if (t) return t; }
    if (el.labels && el.labels.length) { const t = [...el.labels].map((l) => l.textContent).join(" ").trim(); if (t) return t; }
    if (el.tagName === "BUTTON" || el.tagName === "A" || el.tagName === "SUMMARY") { const t = el.innerText?.trim() || el.textContent.trim(); if (t) return t; const img = el.querySelector("img[alt]"); if (img && img.alt.trim()) return img.alt; }
    if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) && el.value) return el.value;
    if (el.title?.trim()) return el.title;
    return "";
  };
  document.querySelectorAll("input:not([type=hidden]), select, textarea, button, a[href], summary, [tabindex]:not([tabindex='-1'])").forEach((el) => {
    if (!nameOf(el)) out.unnamed.push(desc(el)); });
  // refs
  document.querySelectorAll("[aria-describedby],[aria-labelledby],[aria-controls],label[for]").forEach((el) => {
    for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls", "for"]) {
      const v = el.getAttribute(attr); if (!v) continue;
      for (const id of v.split(/\s+/)) if (!document.getElementById(id)) out.badRefs.push(`${desc(el)} ${attr}=${id}`);
    } });
  document.querySelectorAll("[aria-invalid=true]").forEach((el) => {
    const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    const t = ids.map((i) => document.getElementById(i)?.textContent || "").join(" ").trim();
    if (!t) out.invalidNoDesc.push(desc(el)); });
  const seen = {}; document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  out.dupIds = Object.entries(seen).filter(([, n]) => n > 1).map(([i]) => i);
  document.querySelectorAll("img").forEach((i) => { if (!i.hasAttribute("alt")) out.imgNoAlt.push(i.src.slice(-60)); });
  document.querySelectorAll("table").forEach((t) => {
    if (!t.querySelector("th")) out.tablesNoTh.push(desc(t));
    if (!t.caption && !t.getAttribute("aria-label") && !t.getAttribute("aria-labelledby")) out.tablesNoCaption.push(desc(t)); });
  document.querySelectorAll("[hx-get],[hx-post],[onclick]").forEach((el) => {
    if (!["BUTTON", "A", "FORM", "INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) && el.getAttribute("hx-trigger") !== "load" && !(el.getAttribute("hx-trigger") || "").startsWith("every")) out.clickableNonButtons.push(desc(el) + " " + (el.getAttribute("hx-trigger") || ""));
  });
  out.title = document.title;
  out.canvasNoImg = [...document.querySelectorAll("canvas")].filter((c) => c.getAttribute("role") !== "img" || !c.getAttribute("aria-label")).map(desc);
  // a group of checkboxes or radios needs a name of its own: a fieldset's legend or a named group
  out.looseGroups = [];
  const groups = {}; document.querySelectorAll("input[type=checkbox][name], input[type=radio][name]").forEach((i) => { (groups[i.name] ||= []).push(i); });
  for (const [name, inputs] of Object.entries(groups)) { if (inputs.length < 2) continue;
    const g = inputs[0].closest("fieldset, [role=group], [role=radiogroup]");
    const named = g && (g.tagName === "FIELDSET" ? g.querySelector(":scope > legend")?.textContent.trim() : (g.getAttribute("aria-label") || g.getAttribute("aria-labelledby")));
    if (!named || (g.tagName === "FIELDSET" && inputs.some((i) => i.closest("fieldset") !== g))) out.looseGroups.push(name);
    else if (g.tagName === "FIELDSET" && g.querySelectorAll("input[type=checkbox], input[type=radio]").length > inputs.length + 0 && g.querySelectorAll(`input[name="${name}"]`).length !== g.querySelectorAll("input[type=checkbox], input[type=radio]").length) out.looseGroups.push(name);
  }
  // contrast
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const blend = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1); };
  const bgOf = (el) => { const layers = []; let opacity = 1; for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e); const c = parse(s.backgroundColor); if (c && c[3] > 0) layers.push(c); opacity *= +s.opacity; if (c && c[3] === 1) break; }
    let bg = [255, 255, 255, 1]; for (const l of layers.reverse()) bg = blend(l, bg); return [bg, opacity]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const done = new Set();
  while (tw.nextNode()) { const n = tw.currentNode; if (!n.textContent.trim()) continue; const el = n.parentElement; if (done.has(el) || !visible(el)) continue; done.add(el);
    if (el.closest(".visually-hidden, .skip, option, script, style, noscript")) continue;
    const s = getComputedStyle(el); const [bg, opacity] = bgOf(el); let fg = parse(s.color); fg = blend([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const size = parseFloat(s.fontSize); const bold = +s.fontWeight >= 700; const large = size >= 24 || (bold && size >= 18.66);
    const r = ratio(fg, bg); if (r < (large ? 3 : 4.5)) out.contrast.push(`${desc(el)} "${n.textContent.trim().slice(0, 30)}" ${r.toFixed(2)} fg=${s.color} bg=rgb(${bg.slice(0,3).map(Math.round)})`); }
  return out;
}"""
VILLAGE = "3201011002"


@pytest.fixture
def world(make_user, household_factory, served_case):
    from sejahtera.grievances.complaints import file_complaint
    from sejahtera.grievances.models import ComplaintCategory
    from sejahtera.registry.models import Region
    from sejahtera.registry.services.statistics import refresh_figures
    from sejahtera.targeting.services import run_targeting_for_registry

    worker = make_user(Role.SOCIAL_WORKER, "3201", first_name="Rudi", last_name="Hartono")
    supervisor = make_user(Role.SUPERVISOR, "3201", first_name="Dewi", last_name="Kartika")
    office = make_user(Role.DISTRICT_OFFICE, "3201", first_name="Rina", last_name="Wati")
    analyst = make_user(Role.MINISTRY_ANALYST, first_name="Budi", last_name="Analis")
    household = household_factory(
        VILLAGE,
        members=[{"full_name": "Siti Aminah", "sex": "P", "birth_date": "1985-08-05",
                  "relationship": "head", "nik": "3201014508850001"}],
        address="Jl. Melati 7", monthly_expenditure_idr="1250000",
    )  # fmt: skip
    case = served_case(household, worker, supervisor)
    run = run_targeting_for_registry(date.today())
    refresh_figures()
    complaint = file_complaint(
        category=next(iter(ComplaintCategory)), region=Region.objects.get(code=VILLAGE),
        description="Bantuan tidak diterima", complainant_name="Ani", received_on=date.today(),
    )  # fmt: skip
    return locals()


def staff_pages(w):
    return [
        (w["analyst"], "/dashboard/"),
        (w["office"], "/registry/?q=siti"),
        (w["office"], f"/registry/households/{w['household'].pk}/"),
        (w["office"], "/registry/households/new/"),
        (w["office"], f"/registry/households/{w['household'].pk}/edit/"),
        (w["office"], "/imports/"),
        (w["analyst"], "/targeting/"),
        (w["analyst"], f"/targeting/runs/{w['run'].pk}/"),
        (w["office"], "/cases/"),
        (w["worker"], f"/cases/{w['case'].pk}/"),
        (w["supervisor"], "/cases/team/"),
        (w["office"], "/proposals/"),
        (w["office"], "/objections/"),
        (w["office"], "/complaints/"),
        (w["office"], f"/complaints/{w['complaint'].pk}/"),
        (w["office"], "/complaints/new/"),
        (w["worker"], "/account/notifications/"),
        (w["office"], "/account/two-factor/"),
        (w["office"], "/account/api-tokens/"),
    ]


PUBLIC = ["/login/", "/layanan/", "/layanan/cek-bansos/", "/layanan/usul/", "/layanan/pengaduan/",
          "/layanan/lacak/", "/layanan/koreksi/", "/layanan/keberatan/"]  # fmt: skip


PHONE = {"width": 375, "height": 667}
PUBLIC_FORMS = ["/layanan/cek-bansos/", "/layanan/usul/", "/layanan/pengaduan/", "/layanan/lacak/",
                "/layanan/koreksi/", "/layanan/keberatan/"]  # fmt: skip
# luminance contrast of two CSS colours, computed in the page
RATIO = """([a, b]) => { const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => { const [r, g, b] = parse(c); return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }"""
# the colour actually painted behind an element (the first opaque background up the tree)
BACKDROP = """(el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (c && !c.startsWith("rgba(0, 0, 0, 0)") && !/,\\s*0\\)$/.test(c)) return c; } return "rgb(255, 255, 255)"; }"""


def walk(new_page, page_for, live_server, world):
    """(label, audit) for every public page (empty and sent back with errors) and every main
    staff page."""
    audits = []
    page = new_page()
    for path in PUBLIC:
        page.goto(live_server.url + path)
        audits.append((path, page.evaluate(AUDIT)))
        if path in PUBLIC_FORMS:
            with page.expect_navigation():
                page.click("main button.primary[type=submit]")
            audits.append((path + " (sent back)", page.evaluate(AUDIT)))
    pages = {}
    for user, path in staff_pages(world):
        if user.pk not in pages:
            pages[user.pk] = page_for(user)
        pages[user.pk].goto(live_server.url + path)
        pages[user.pk].wait_for_load_state("networkidle")
        audits.append((path, pages[user.pk].evaluate(AUDIT)))
    return audits


def test_every_page_has_its_language_one_h1_ordered_headings_landmarks_and_names(
    new_page, page_for, live_server, world
):
    """1.3.1, 2.4.2, 2.4.6, 3.1.1, 4.1.1, 4.1.2, 1.1.1 — the structure every page shares."""
    problems = []
    for label, a in walk(new_page, page_for, live_server, world):
        if a["lang"] != "id":
            problems.append((label, "lang", a["lang"]))
        if a["h1"] != 1:
            problems.append((label, "h1 count", a["h1"]))
        if not re.match(r"\S", a["title"]):
            problems.append((label, "empty title", a["title"]))
        if a["landmarks"]["banner"] < 1 or a["landmarks"]["main"] != 1:
            problems.append((label, "landmarks", a["landmarks"]))
        for key in ("headingSkips", "unnamed", "dupIds", "imgNoAlt", "tablesNoTh"):
            if a[key]:
                problems.append((label, key, a[key]))
    assert problems == []


def test_dashboard_charts_are_images_with_a_text_alternative(page_for, live_server, world):
    """1.1.1 / 4.1.2: every chart <canvas> has role=img and an aria-label (a bare canvas has
    no role that takes a name, so its label would not be exposed)."""
    page = page_for(world["analyst"])
    page.goto(live_server.url + "/dashboard/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(AUDIT)["canvasNoImg"] == []


def test_aria_references_point_at_something(new_page, page_for, live_server, world):
    """1.3.1 / 3.3.1 / 4.1.2: every aria-describedby, aria-labelledby and label[for] names an
    element of the page, and every field marked aria-invalid is described by its error text:
    Django 5.2 points a field at "<id>_helptext" and "<id>_error", which the field templates
    print."""
    problems = []
    for label, a in walk(new_page, page_for, live_server, world):
        if a["badRefs"] or a["invalidNoDesc"]:
            problems.append((label, a["badRefs"], a["invalidNoDesc"]))
    assert problems == []


def test_text_and_status_badges_have_enough_contrast(new_page, page_for, live_server, world):
    """1.4.3: every visible text, badges included, is 4.5:1 against what is painted behind it
    (3:1 for large text), computed from the page's styles."""
    problems = [(label, a["contrast"]) for label, a in walk(new_page, page_for, live_server, world)
                if a["contrast"]]  # fmt: skip
    assert problems == []


def test_data_tables_have_a_caption(new_page, page_for, live_server, world):
    """1.3.1 (advisory technique H39): a data table says what it is — a <caption> (may be
    visually hidden) or aria-labelledby to its heading — so that a screen reader's table list
    is usable."""
    problems = [(label, a["tablesNoCaption"])
                for label, a in walk(new_page, page_for, live_server, world) if a["tablesNoCaption"]]  # fmt: skip
    assert problems == []


def test_checkbox_and_radio_groups_are_named_by_a_fieldset(page_for, live_server, world):
    """1.3.1 / 3.3.2: a group of checkboxes (e.g. the household's assets on the register and
    edit pages) is a fieldset with a legend; a <label for=""> that labels nothing is not a
    group name."""
    page = page_for(world["office"])
    problems = []
    for path in (
        "/registry/households/new/",
        f"/registry/households/{world['household'].pk}/edit/",
    ):
        page.goto(live_server.url + path)
        a = page.evaluate(AUDIT)
        empty_for = page.locator("main label[for='']").all_inner_texts()
        if a["looseGroups"] or empty_for:
            problems.append((path, a["looseGroups"], empty_for))
    assert problems == []


@pytest.mark.parametrize("path", PUBLIC_FORMS)
def test_public_form_sent_back_starts_at_what_to_correct(new_page, live_server, path):
    """3.3.1 / 2.4.3 / 4.1.3: a public form sent back with errors puts the keyboard (and a
    screen reader) on an error summary or the first wrong field, as the staff register page
    does, with the shared error summary (_error_summary.html, data-focus-on-load)."""
    from sejahtera.targeting.services import run_targeting_for_registry

    run_targeting_for_registry(date.today())  # an objection needs decisions to object to
    page = new_page(PHONE)
    page.goto(live_server.url + path)
    with page.expect_navigation():
        page.click("main button.primary[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("main .errorlist, main [role=alert]").count() > 0
    focused = page.evaluate("""() => { const e = document.activeElement;
        return {invalid: e.getAttribute('aria-invalid') === 'true',
                summary: !!e.closest('[role=alert]'), tag: e.tagName}; }""")
    assert focused["invalid"] or focused["summary"], focused


def test_focus_indicator_stands_out_from_the_page(new_page, live_server):
    """1.4.11 (and 2.4.7): the focus outline differs 3:1 from the background it is drawn on:
    dark on the light page, yellow on the green header (each with a ring of the other tone)."""
    page = new_page()
    page.goto(live_server.url + "/layanan/")
    weak = []
    for selector in (
        "main a.button.secondary",
        "main .breadcrumbs a, main a:not(.button)",
        "header a.brand",
    ):
        element = page.locator(selector).first
        if not element.count():
            continue
        element.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
        outline = element.evaluate(
            "e => getComputedStyle(e).outlineColor + '|' + getComputedStyle(e).outlineStyle"
        )
        colour, style = outline.split("|")
        backdrop = element.evaluate(f"e => ({BACKDROP})(e.parentElement)")
        ratio = page.evaluate(RATIO, [colour, backdrop])
        if style == "none" or ratio < 3:
            weak.append((selector, colour, backdrop, round(ratio, 2)))
    assert weak == []


def test_language_menu_does_not_reload_the_page_on_an_arrow_key(page_for, live_server, world):
    """3.2.2 On Input: moving through the language list (or the dashboard's map-colour list)
    with the arrow keys does not change the page — a closed <select> fires 'change' on every
    arrow key; its visible button ("Ganti") switches the language."""
    page = page_for(world["analyst"])
    page.goto(live_server.url + "/dashboard/")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.stillHere = true")
    for select in ("#language", "#indicator"):
        page.focus(select)
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.stillHere === true && document.documentElement.lang === 'id'")
    with page.expect_navigation():
        page.click("#language ~ button[type=submit]")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_skip_link_comes_first_and_leads_into_main_at_phone_width(page_for, live_server, world):
    """2.4.1 / 2.4.3: at 375 px the header holds several tab stops (the brand, the menu button):
    the first Tab shows the skip link, and after it the next Tab is inside <main>."""
    page = page_for(world["office"], viewport=PHONE)
    page.goto(live_server.url + "/registry/?q=siti")
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => { const e = document.activeElement; const r = e.getBoundingClientRect();
        return {href: e.getAttribute('href'), inView: r.left >= 0 && r.right <= innerWidth && r.top >= 0}; }""")
    assert skip == {"href": "#content", "inView": True}
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


def test_phone_header_menu_is_reachable_by_keyboard(page_for, live_server, world):
    """2.1.1 / 1.4.10: at 375 px every link and control of the header is reached by Tab, lies
    within the screen's width and shows a focus outline; nothing traps the focus."""
    page = page_for(world["office"], viewport=PHONE)
    page.goto(live_server.url + "/cases/")
    wanted = page.evaluate("""() => [...document.querySelectorAll('header a[href], header button, header select')]
        .filter((e) => e.offsetParent !== null).length""")
    reached, off_screen = set(), []
    for _ in range(wanted + 5):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; const r = e.getBoundingClientRect();
            return {inHeader: !!e.closest('header'), key: e.outerHTML.slice(0, 80),
                    fits: r.left >= 0 && r.right <= innerWidth, outline: getComputedStyle(e).outlineStyle}; }""")
        if info["inHeader"]:
            reached.add(info["key"])
            if not info["fits"] or info["outline"] == "none":
                off_screen.append(info)
    assert len(reached) == wanted
    assert off_screen == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_phone_header_folds_its_menu_behind_a_button(page_for, live_server, world):
    """At 375 px the header's menu, account links and language list filled about 454 px of
    667: every page started below the first screen. The menu now folds behind a "Menu" button
    that says whether it is open (4.1.2); on a wide screen it stays in the bar."""
    page = page_for(world["office"], viewport=PHONE)
    page.goto(live_server.url + "/cases/")
    header = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
    assert header < 120, header
    toggle = page.locator("header .menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("header nav").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("header nav a").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    wide = page_for(world["office"])
    wide.goto(live_server.url + "/cases/")
    assert not wide.locator("header .menu-toggle").is_visible()
    assert wide.locator("header nav a").first.is_visible()


def test_registry_search_results_are_announced(page_for, live_server, world):
    """4.1.3 Status messages: typing in the registry search swaps the results by htmx; the
    count ("1 orang ditemukan") lands in a live region that was on the page before the swap
    (#results-status, filled out of band), so that a screen reader announces it."""
    page = page_for(world["office"])
    page.goto(live_server.url + "/registry/")
    page.evaluate(
        """() => { window.liveBefore = [...document.querySelectorAll('[aria-live], [role=status], [role=alert]')]; }"""
    )
    with page.expect_response(lambda r: "/registry/?q=" in r.url):
        page.fill("#q", "siti")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    announced = page.evaluate("""() => { const count = [...document.querySelectorAll('#results *')]
          .find((e) => /ditemukan/.test(e.textContent) && e.children.length === 0);
        return !!count && window.liveBefore.some((live) => document.contains(live) && live.contains(count)); }""")
    assert announced


def test_targeting_run_progress_is_announced(page_for, live_server, world):
    """4.1.3: the run page polls its status (targeting/_status.html replaces itself every
    2 s); the progress sits in a live region around it that survives the swap."""
    from sejahtera.targeting.models import TargetingRun

    TargetingRun.objects.filter(pk=world["run"].pk).update(status="running")
    page = page_for(world["analyst"])
    page.goto(f"{live_server.url}/targeting/runs/{world['run'].pk}/")
    page.wait_for_selector("#run-status")
    page.evaluate(
        """() => { window.liveBefore = [...document.querySelectorAll('[aria-live], [role=status], [role=alert]')]; }"""
    )
    with page.expect_response(lambda r: f"/targeting/runs/{world['run'].pk}/" in r.url):
        pass
    page.wait_for_timeout(300)
    announced = page.evaluate("""() => { const status = document.querySelector('#run-status');
        return window.liveBefore.some((live) => document.contains(live) && live.contains(status)); }""")
    assert announced


def test_confirm_dialog_is_keyboard_operable(page_for, live_server, world):
    """2.1.1: an action with data-confirm (resolving a complaint) is reached by Tab, asks on
    Enter, and Escape/cancel leaves the form unsent."""
    page = page_for(world["office"])
    page.goto(f"{live_server.url}/complaints/{world['complaint'].pk}/")
    button = page.locator("main button[data-confirm]").first
    page.evaluate("window.stillHere = true")
    page.confirms = False
    for _ in range(60):
        page.keyboard.press("Tab")
        if button.evaluate("e => e === document.activeElement"):
            break
    assert button.evaluate("e => e === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert len(page.confirmations) == 1
    assert page.evaluate("window.stillHere === true")
