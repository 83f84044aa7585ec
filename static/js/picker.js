// Search boxes with suggestions (templates/_picker.html): a place or a unit is chosen by name or
// code from what the server suggests, never typed as a code. Keyboard: arrows, Enter, Escape.
(function () {
  function setUp(box) {
    const input = box.querySelector("input[type=search]");
    const hidden = box.querySelector("input[type=hidden]");
    const list = box.querySelector("[role=listbox]");
    let timer = null;
    let active = -1;
    let asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(li) {
      input.value = li.dataset.label;
      hidden.value = li.dataset.id;
      close();
    }

    function mark(i) {
      const items = list.querySelectorAll("[role=option]");
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (items[i]) input.setAttribute("aria-activedescendant", items[i].id);
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (r, i) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = input.id + "-option-" + i;
        li.dataset.id = r.id;
        li.dataset.label = r.label;
        li.textContent = r.label;
        const code = document.createElement("span");
        code.className = "muted";
        code.textContent = " " + r.code;
        li.appendChild(code);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
        list.appendChild(li);
      });
      if (!results.length) {
        const li = document.createElement("li");
        li.className = "muted";
        li.textContent = "没有找到，请换个名称或编码试试";
        list.appendChild(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    }

    function ask() {
      const q = input.value.trim();
      if (!q) { close(); return; }
      asked = q;
      fetch(box.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (asked === q) show(data.results || []); })
        .catch(close);
    }

    input.addEventListener("input", function () {
      hidden.value = "";  // typed again: what was chosen no longer holds
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("keydown", function (e) {
      const items = list.querySelectorAll("[role=option]");
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && !list.hidden && items[active]) { e.preventDefault(); choose(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll(".picker[data-suggest]").forEach(setUp);
})();
