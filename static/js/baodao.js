// Small behaviours of every page, without inline script (the Content-Security-Policy allows none).
// A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME in its form.
document.addEventListener("change", function (event) {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  const scope = box.form || document;
  scope.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (c) {
    c.checked = box.checked;
  });
});

// A search box with data-filter-rows="#table" hides the rows (with data-name) that do not contain
// what is typed, as one types; its form still filters on the server without script.
document.addEventListener("input", function (event) {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.filterRows) return;
  const q = box.value.trim();
  document.querySelectorAll(box.dataset.filterRows + " tbody tr[data-name]").forEach(function (tr) {
    tr.hidden = Boolean(q) && !tr.dataset.name.includes(q);
  });
});
