// The segment builder (/w/{ws}/segments): add and remove conditions and
// groups in place, fit each row's operator and value to its field, and
// count the rule as it changes. The server reads the same fields the form
// posts without JavaScript (SegmentBuilderForm), so the count here and the
// "Count" button never disagree.
(function () {
  const form = document.getElementById("segment-form");
  const box = document.getElementById("segment-rows");
  const out = document.getElementById("segment-live-count");
  const data = document.getElementById("segment-fields");
  if (!form || !box || !out || !data) return;
  const fields = JSON.parse(data.textContent);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const text = box.dataset;
  let timer = null;
  let sequence = 0;

  function option(code, label, selected) {
    const o = document.createElement("option");
    o.value = code;
    o.textContent = label;
    if (selected) o.selected = true;
    return o;
  }

  function rowPrefix(row) {
    return row.querySelector("select.row-field").name.replace(/\.field$/, "");
  }

  // The operator list of the row's field, keeping the chosen one if it fits.
  function fitOperators(row) {
    const field = byName.get(row.querySelector("select.row-field").value) || fields[0];
    const select = row.querySelector("select.row-op");
    const keep = select.value;
    select.replaceChildren(...field.ops.map((op) => option(op.code, op.label, op.code === keep)));
    if (!field.ops.some((op) => op.code === keep)) select.selectedIndex = 0;
  }

  // The value box the field and operator take: a choice (several for a
  // list operator), a number, text, or two numbers for "between".
  function fitValue(row) {
    const field = byName.get(row.querySelector("select.row-field").value) || fields[0];
    const op = row.querySelector("select.row-op").value;
    const list = field.list.includes(op);
    const prefix = rowPrefix(row);
    const holder = row.querySelector(".row-value-box");
    const old = holder.querySelector("select.row-choice, input.row-value");
    const previous = old ? (old.tagName === "SELECT" ? Array.from(old.selectedOptions).map((o) => o.value) : old.value.split(/[,，、;；]/).map((v) => v.trim())) : [];
    const parts = [];
    if (field.choices) {
      const select = document.createElement("select");
      select.name = prefix + ".choice";
      select.className = "row-choice";
      select.setAttribute("aria-label", text.valueLabel);
      if (list) {
        select.multiple = true;
        select.size = Math.min(4, field.choices.length);
      } else {
        select.appendChild(option("", text.pick, false));
      }
      for (const c of field.choices) select.appendChild(option(c.code, c.label, previous.includes(c.code)));
      parts.push(select);
    } else {
      const input = document.createElement("input");
      input.name = prefix + ".value";
      input.className = "row-value";
      input.setAttribute("aria-label", text.valueLabel);
      const numeric = field.type === "number" && !list;
      input.type = numeric ? "number" : "text";
      if (numeric) input.step = "any";
      input.placeholder = list ? text.listHint : field.hint;
      const kept = old && old.tagName === "INPUT" ? old.value : "";
      input.value = numeric && isNaN(Number(kept)) ? "" : kept;
      parts.push(input);
      if (op === "between") {
        const and = document.createElement("span");
        and.className = "between-and";
        and.textContent = text.betweenAnd;
        const upper = document.createElement("input");
        upper.type = "number";
        upper.step = "any";
        upper.name = prefix + ".upper";
        upper.className = "row-upper";
        upper.setAttribute("aria-label", text.upperLabel);
        const oldUpper = holder.querySelector("input.row-upper");
        upper.value = oldUpper ? oldUpper.value : "";
        parts.push(and, upper);
      }
    }
    holder.replaceChildren(...parts);
  }

  // Names and labels follow the order on the page: g0.r0, g0.r1, g1.r0 …
  function renumber() {
    box.querySelectorAll("fieldset.segment-group").forEach((group, g) => {
      group.dataset.group = String(g);
      group.querySelector("legend").textContent = text.groupLabel.replace("{0}", String(g + 1));
      group.querySelector("select.group-join").name = "g" + g + ".join";
      group.querySelector("button.add-row").value = "add_row." + g;
      group.querySelector("button.remove-group").value = "remove_group." + g;
      group.querySelectorAll("li.segment-row-edit").forEach((row, r) => {
        row.dataset.row = String(r);
        for (const el of row.querySelectorAll("[name]")) el.name = el.name.replace(/^g\d+\.r\d+\./, "g" + g + ".r" + r + ".");
        const remove = row.querySelector("button.remove-row");
        remove.value = "remove_row." + g + "." + r;
        remove.setAttribute("aria-label", text.removeRowLabel.replace("{0}", String(g + 1)).replace("{1}", String(r + 1)));
      });
    });
  }

  function freshRow(template) {
    const row = template.cloneNode(true);
    row.classList.remove("has-error");
    row.querySelectorAll("small.error").forEach((e) => e.remove());
    row.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    row.querySelector("select.row-field").selectedIndex = 0;
    const value = row.querySelector(".row-value-box");
    value.replaceChildren();
    fitOperators(row);
    row.querySelector("select.row-op").selectedIndex = 0;
    fitValue(row);
    return row;
  }

  box.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !button.value) return;
    const [action] = button.value.split(".");
    const group = button.closest("fieldset.segment-group");
    const anyRow = box.querySelector("li.segment-row-edit");
    if (action === "add_row" && group && anyRow) {
      group.querySelector("ol.segment-rows").appendChild(freshRow(anyRow));
    } else if (action === "remove_row") {
      const row = button.closest("li.segment-row-edit");
      const rows = row.parentElement;
      row.remove();
      if (!rows.children.length && box.querySelectorAll("fieldset.segment-group").length > 1) group.remove();
      else if (!rows.children.length) rows.appendChild(freshRow(row));
    } else if (action === "add_group" && anyRow) {
      const first = box.querySelector("fieldset.segment-group");
      const copy = first.cloneNode(true);
      copy.querySelectorAll("small.error").forEach((e) => e.remove());
      copy.querySelector("select.group-join").value = "all";
      const rows = copy.querySelector("ol.segment-rows");
      rows.replaceChildren(freshRow(anyRow));
      button.closest("p").before(copy);
    } else if (action === "remove_group" && group) {
      if (box.querySelectorAll("fieldset.segment-group").length > 1) group.remove();
      else group.querySelector("ol.segment-rows").replaceChildren(freshRow(anyRow));
    } else {
      return;
    }
    event.preventDefault();
    renumber();
    schedule();
  });

  box.addEventListener("change", (event) => {
    const row = event.target.closest("li.segment-row-edit");
    if (row && event.target.matches("select.row-field")) {
      fitOperators(row);
      fitValue(row);
    } else if (row && event.target.matches("select.row-op")) {
      fitValue(row);
    }
    schedule();
  });
  box.addEventListener("input", schedule);

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(count, 400);
  }

  async function count() {
    const mine = ++sequence;
    out.textContent = form.dataset.counting;
    out.classList.remove("error");
    try {
      const response = await fetch(form.dataset.count, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      if (mine !== sequence) return;
      const body = await response.json();
      if (response.ok) {
        out.textContent = body.text;
      } else {
        out.textContent = body.title || "";
        out.classList.add("error");
      }
    } catch (_) {
      if (mine === sequence) out.textContent = "";
    }
  }

  count();
})();
