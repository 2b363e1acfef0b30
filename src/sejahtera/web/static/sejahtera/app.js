// Behaviour the pages ask for with data attributes, so that no page carries inline script:
// the Content-Security-Policy forbids it.

// <select data-submit-on-change>: choosing an option submits its form (language, map colour).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select) select.form.submit();
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
// proposal's or an objection's place, taken where the family lives). Without the permission
// or a position the inputs stay as typed.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-geolocate]");
  if (!button || !navigator.geolocation) return;
  event.preventDefault();
  const [latitude, longitude] = button.dataset.geolocate
    .split(" ")
    .map((id) => document.getElementById(id));
  navigator.geolocation.getCurrentPosition((position) => {
    latitude.value = position.coords.latitude.toFixed(6);
    longitude.value = position.coords.longitude.toFixed(6);
  });
});
