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
        li.textContent = v.field + ": " + v.message;
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
