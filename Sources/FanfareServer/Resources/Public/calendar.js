// Rescheduling by drag: drop a scheduled post on another day and it keeps
// its time of day there. The server checks everything (approval, the
// future, quotas); on refusal the page reloads with its message.
(function () {
  const table = document.getElementById("calendar");
  if (!table) return;
  let dragged = null;
  table.addEventListener("dragstart", (event) => {
    const entry = event.target.closest("li.entry[draggable=true]");
    if (!entry) return;
    dragged = entry;
    event.dataTransfer.setData("text/plain", entry.dataset.post);
  });
  table.addEventListener("dragover", (event) => {
    if (dragged && event.target.closest("td.day")) event.preventDefault();
  });
  table.addEventListener("drop", async (event) => {
    const day = event.target.closest("td.day");
    if (!dragged || !day) return;
    event.preventDefault();
    const body = new URLSearchParams({
      scheduled_at: day.dataset.day + " " + dragged.dataset.time,
      csrf_token: table.dataset.csrf,
    });
    await fetch(table.dataset.schedule + dragged.dataset.post + "/schedule", {
      method: "POST",
      body,
      credentials: "same-origin",
    });
    dragged = null;
    window.location.reload();
  });
})();
