// Live counters on the compose page: as the text or the chosen accounts
// change, ask the server what each account's variant would be and which
// rules it breaks. The server does the counting (Core's rules), so the
// page and the API never disagree. Without JavaScript the form still
// works; the post's page then shows the same findings.
(function () {
  const form = document.getElementById("compose-form");
  const out = document.getElementById("counters");
  if (!form || !out) return;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  let timer = null;
  let sequence = 0;

  function payload() {
    return {
      title: form.elements["title"].value,
      body: form.elements["body"].value,
      tags: form.elements["tags"].value,
      account_ids: Array.from(form.querySelectorAll("input[name='account_ids[]']:checked")).map((b) => b.value),
    };
  }

  function render(items) {
    out.replaceChildren();
    for (const item of items) {
      const card = document.createElement("div");
      const errors = item.violations.filter((v) => v.severity === "error");
      card.className = "counter" + (errors.length ? " over" : "");
      card.dataset.platform = item.platform;
      const head = document.createElement("strong");
      head.textContent = item.platform_name + " @" + item.handle + " ";
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = item.limit ? item.length + " / " + item.limit : String(item.length);
      head.appendChild(count);
      card.appendChild(head);
      const list = document.createElement("ul");
      for (const v of item.violations) {
        const li = document.createElement("li");
        li.className = "violation " + v.severity;
        li.dataset.rule = v.rule;
        li.textContent = (v.field_name || v.field) + ": " + v.message;
        list.appendChild(li);
      }
      card.appendChild(list);
      out.appendChild(card);
    }
  }

  async function refresh() {
    const mine = ++sequence;
    try {
      const response = await fetch(form.dataset.preview, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(payload()),
        credentials: "same-origin",
      });
      if (!response.ok || mine !== sequence) return;
      render(await response.json());
    } catch (e) {
      // Offline or server gone: the counters simply stop updating.
    }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  refresh();
})();

// Sensitive words as the text is typed: the server checks the draft with
// the workspace's lexicon (the same engine the review's automatic step
// uses) and answers with UTF-16 offsets, which index JavaScript strings
// directly. The body is shown again below the field with each match
// marked, since a textarea cannot colour parts of its text.
(function () {
  const form = document.getElementById("compose-form");
  const panel = document.getElementById("sensitive");
  if (!form || !panel) return;
  const out = panel.querySelector(".found");
  const csrf = form.querySelector("input[name=csrf_token]").value;
  let timer = null;
  let sequence = 0;

  function marked(text, matches, reasons) {
    const block = document.createElement("p");
    block.className = "marked";
    let at = 0;
    matches.forEach((m, i) => {
      if (m.utf16_start < at) return;
      block.appendChild(document.createTextNode(text.slice(at, m.utf16_start)));
      const mark = document.createElement("mark");
      mark.className = "hit " + m.severity;
      mark.title = reasons[i];
      mark.textContent = text.slice(m.utf16_start, m.utf16_end);
      block.appendChild(mark);
      at = m.utf16_end;
    });
    block.appendChild(document.createTextNode(text.slice(at)));
    return block;
  }

  function render(result, sent) {
    out.replaceChildren();
    const all = result.fields.flatMap((f) => f.matches.map((m, i) => ({ field: f.field, match: m, reason: f.reasons[i] })));
    if (all.length === 0) {
      const none = document.createElement("p");
      none.className = "ok";
      none.textContent = panel.dataset.none;
      out.appendChild(none);
      return;
    }
    if (result.blocked) {
      const warning = document.createElement("p");
      warning.className = "error";
      warning.textContent = panel.dataset.blocked;
      out.appendChild(warning);
    }
    for (const f of result.fields) {
      if (f.matches.length && f.field === "body") out.appendChild(marked(sent.body, f.matches, f.reasons));
    }
    const list = document.createElement("ul");
    for (const item of all) {
      const li = document.createElement("li");
      li.className = "hit " + item.match.severity;
      li.dataset.term = item.match.term;
      li.textContent = "「" + item.match.text + "」 " + item.reason;
      list.appendChild(li);
    }
    out.appendChild(list);
  }

  async function refresh() {
    const mine = ++sequence;
    const sent = { title: form.elements["title"].value, body: form.elements["body"].value, tags: form.elements["tags"].value };
    try {
      const response = await fetch(panel.dataset.check, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(sent),
        credentials: "same-origin",
      });
      if (!response.ok || mine !== sequence) return;
      render(await response.json(), sent);
    } catch (e) {
      // Offline: the review's automatic step still checks on submission.
    }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  refresh();
})();
