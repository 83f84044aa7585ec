// The residence tree of the registration page: typing filters compounds and buildings.
// Whole list items are hidden (never <option>s, which iOS Safari and WeChat keep showing), and the
// compounds holding a match open. Without JS every compound is a <details> with all its radios.
(function () {
  const input = document.getElementById("residence-filter");
  if (!input) return;
  const groups = Array.from(document.querySelectorAll(".residence-group"));
  const none = document.getElementById("residence-none");
  const opened = new Map(groups.map((g) => [g, g.querySelector("details").open]));

  function filter() {
    const q = input.value.trim();
    let shown = 0;
    groups.forEach(function (g) {
      const details = g.querySelector("details");
      const groupHit = !q || g.dataset.name.includes(q);
      let buildingHit = false;
      g.querySelectorAll("li").forEach(function (li) {
        const hit = Boolean(q) && li.dataset.name.includes(q);
        buildingHit = buildingHit || hit;
        li.hidden = !(groupHit || hit);
      });
      g.hidden = !(groupHit || buildingHit);
      details.open = q ? !g.hidden : opened.get(g);
      if (!g.hidden) shown += 1;
    });
    none.hidden = shown > 0;
  }

  input.addEventListener("input", filter);
  // Typed before this script ran (a slow phone), or put back by the browser on "back": apply it now.
  if (input.value.trim()) filter();
})();
