// Behaviour the pages ask for with data attributes, so that no page carries inline script:
// the Content-Security-Policy forbids it.

// <select data-submit-on-change> (language, map colour): an option picked with the mouse or a
// finger submits the form at once; from the keyboard, the arrow keys only move through the
// options (WCAG 3.2.2: a closed list changes on every arrow key) and the form's own button
// submits it.
const pointed = new WeakSet();
const submitOnChange = (event) =>
  event.target instanceof Element ? event.target.closest("select[data-submit-on-change]") : null;
document.addEventListener("pointerdown", (event) => {
  const select = submitOnChange(event);
  if (select) pointed.add(select);
});
document.addEventListener("keydown", (event) => {
  const select = submitOnChange(event);
  if (select) pointed.delete(select);
});
document.addEventListener("change", (event) => {
  const select = submitOnChange(event);
  if (select && pointed.has(select)) select.form.requestSubmit();
});

// <button data-formset-total="ID" hx-get=…>: fetches the next form of a Django formset. The
// request carries the new form's index (the formset's count, in the hidden input ID), and the
// count grows by one once the form has arrived.
function formsetTotal(element) {
  const id = element.dataset ? element.dataset.formsetTotal : undefined;
  return id ? document.getElementById(id) : null;
}
document.addEventListener("htmx:configRequest", (event) => {
  const total = formsetTotal(event.detail.elt);
  if (total) event.detail.parameters.index = total.value;
});
document.addEventListener("htmx:afterRequest", (event) => {
  const total = formsetTotal(event.detail.elt);
  if (total && event.detail.successful) total.value = Number(total.value) + 1;
});

// <button data-geolocate="LAT_ID LON_ID">: fills the two inputs with the phone's position (a
// proposal's or an objection's place, taken where the family lives) and says so in the
// [data-geolocate-status] line beside it (texts from data-located and data-refused). Without
// the permission or a position the inputs stay as typed, and the line says what to do.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-geolocate]");
  if (!button) return;
  event.preventDefault();
  const status = button.parentElement.querySelector("[data-geolocate-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  const [latitude, longitude] = button.dataset.geolocate
    .split(" ")
    .map((id) => document.getElementById(id));
  if (!navigator.geolocation) {
    say(button.dataset.refused);
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (position) => {
      latitude.value = position.coords.latitude.toFixed(6);
      longitude.value = position.coords.longitude.toFixed(6);
      say(button.dataset.located);
    },
    () => say(button.dataset.refused),
    { timeout: 15000 },
  );
});

// <button data-confirm="…">: an action that cannot simply be undone (approving a decree,
// suspending a payment, merging records) asks first; "cancel" leaves the form unsent.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// [data-without-script]: a way round for a browser that runs no script (the region lists'
// button that opens the next list); where this script runs, htmx does it and it is hidden.
for (const fallback of document.querySelectorAll("[data-without-script]")) fallback.hidden = true;

// <div data-focus-on-load tabindex="-1">: a page that comes back with what to correct (a
// form's error summary) starts there, for a screen reader too; its links lead to each field.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("[data-focus-on-load]");
  if (first) first.focus();
});

// The header's menu on a phone: folded behind its button so that a page starts on the first
// screen; the button says whether it is open. Without this script the menu stays open.
const menuToggle = document.querySelector("header .menu-toggle");
const siteMenu = document.getElementById("site-menu");
if (menuToggle && siteMenu) {
  const fold = (folded) => {
    siteMenu.toggleAttribute("data-folded", folded);
    menuToggle.setAttribute("aria-expanded", String(!folded));
  };
  menuToggle.hidden = false;
  fold(window.matchMedia("(max-width: 40rem)").matches);
  menuToggle.addEventListener("click", () => fold(!siteMenu.hasAttribute("data-folded")));
}
