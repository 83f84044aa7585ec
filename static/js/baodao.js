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
