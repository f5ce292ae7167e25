// Live inbox: the server says when a conversation of the workspace
// changed (server-sent events); the page then fetches its own list or
// conversation again, already filtered and rendered by the server. The
// page works without this: it is a plain page with links and forms.
(function () {
  const box = document.getElementById("conversation-list") || document.getElementById("conversation-view");
  if (!box || !window.EventSource) return;
  const status = document.getElementById("live-status");
  let fetching = false;
  let again = false;

  async function refresh() {
    if (fetching) { again = true; return; }
    // Never replace the reply box while someone is typing in it.
    const typing = document.activeElement && box.contains(document.activeElement) &&
      (document.activeElement.tagName === "TEXTAREA" || document.activeElement.tagName === "INPUT" || document.activeElement.tagName === "SELECT");
    if (typing) return;
    fetching = true;
    try {
      const response = await fetch(box.dataset.fragment, { credentials: "same-origin" });
      if (response.ok) {
        const checked = new Set(Array.from(box.querySelectorAll("input[name=ids]:checked")).map((b) => b.value));
        box.innerHTML = await response.text();
        for (const input of box.querySelectorAll("input[name=ids]")) input.checked = checked.has(input.value);
        box.dataset.refreshed = String(Date.now());
      }
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }

  const events = new EventSource(box.dataset.events);
  events.addEventListener("open", () => { if (status) status.hidden = false; });
  events.addEventListener("changed", refresh);
  events.addEventListener("error", () => { if (status) status.hidden = true; });
})();
