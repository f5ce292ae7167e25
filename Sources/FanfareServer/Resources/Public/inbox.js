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
    // Never replace the reply box while someone is typing in it, nor a
    // reply or note written but not sent.
    const typing = document.activeElement && box.contains(document.activeElement) &&
      (document.activeElement.tagName === "TEXTAREA" || document.activeElement.tagName === "INPUT" || document.activeElement.tagName === "SELECT");
    const reply = box.querySelector("#reply-text");
    const note = box.querySelector("#note-text");
    if (typing || (reply && reply.value !== reply.defaultValue) || (note && note.value !== note.defaultValue)) return;
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

// A template goes where the cursor is in the reply box (replacing a
// selection), filled in for this fan, without reloading the page: what the
// agent typed stays. Variables only a person knows ({order_id}) are named
// under the box; sending still refuses them. Without the script the form
// reloads the page with the template, as before.
(function () {
  const form = document.getElementById("template-form");
  const select = document.getElementById("template-select");
  const text = document.getElementById("reply-text");
  const reply = document.getElementById("reply-form");
  const note = document.getElementById("template-note");
  if (!form || !select || !text || !reply || !window.fetch) return;
  form.addEventListener("submit", async (event) => {
    if (!select.value) return;
    event.preventDefault();
    let draft;
    try {
      const response = await fetch(form.dataset.draft + "?template_id=" + encodeURIComponent(select.value),
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      draft = await response.json();
    } catch (error) {
      form.submit();
      return;
    }
    const start = typeof text.selectionStart === "number" ? text.selectionStart : text.value.length;
    const end = typeof text.selectionEnd === "number" ? text.selectionEnd : start;
    text.value = text.value.slice(0, start) + draft.text + text.value.slice(end);
    const caret = start + draft.text.length;
    text.focus();
    text.setSelectionRange(caret, caret);
    const chosen = reply.querySelector("input[name=template_id]");
    if (chosen) chosen.value = select.value;
    if (note) {
      const unfilled = (draft.unfilled || []).map((name) => "{" + name + "}");
      note.textContent = unfilled.length ? form.dataset.unfilled.replace("{0}", unfilled.join(" ")) : "";
      note.hidden = unfilled.length === 0;
    }
    form.dataset.inserted = String(Number(form.dataset.inserted || "0") + 1);
  });
})();

// Keys for people who work the inbox all day: J the next waiting
// conversation, A assign to me, R resolve, / the search box. They do
// nothing while typing in a field or with a modifier held, and each only
// presses a link or button that is on the page anyway.
(function () {
  const keys = { j: "next-conversation", a: "assign-me", r: "resolve" };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    const key = event.key.toLowerCase();
    if (key === "/") {
      const search = document.getElementById("inbox-q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    const element = keys[key] && document.getElementById(keys[key]);
    if (!element) return;
    event.preventDefault();
    element.click();
  });
})();
