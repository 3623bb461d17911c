// Plenary portal: small enhancements; every page works as plain HTML forms without them,
// except reading a link's secret from its fragment and live updates.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  placeGrid(document);
  focusNotice();
  linkToken();
  upperCase();
  validateForms();
  selectAll();
  liveUpdates();
  importProgress();
  camera();
});

// The timetable's cells are placed from their data attributes: the page's Content-Security-Policy
// allows no inline styles, and styles set from a script (CSSOM) are not inline styles.
function placeGrid(root) {
  for (const grid of root.querySelectorAll(".schedule[data-rooms]")) {
    grid.style.setProperty("--rooms", grid.dataset.rooms);
    grid.style.setProperty("--rows", grid.dataset.rows);
  }
  for (const cell of root.querySelectorAll(".schedule [data-column], .schedule [data-row]")) {
    if (cell.dataset.column) cell.style.gridColumn = cell.dataset.column;
    if (cell.dataset.row) {
      cell.style.gridRow = cell.dataset.span ? `${cell.dataset.row} / span ${cell.dataset.span}` : cell.dataset.row;
    }
  }
}

function focusNotice() {
  const target = document.querySelector("[data-focus]");
  if (target) target.focus();
}

// Invitation and reset links carry their secret in the fragment, which no server sees.
function linkToken() {
  const form = document.querySelector("form[data-link-token]");
  if (!form) return;
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    sessionStorage.setItem("plenary-link-token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname);
  }
  form.elements.token.value = sessionStorage.getItem("plenary-link-token") || "";
  form.addEventListener("submit", () => {
    form.elements.token.value = sessionStorage.getItem("plenary-link-token") || "";
  });
}

function upperCase() {
  for (const input of document.querySelectorAll("input[data-upper]")) {
    input.addEventListener("input", () => {
      const at = input.selectionStart;
      input.value = input.value.toUpperCase();
      input.setSelectionRange(at, at);
    });
  }
}

// Messages next to the fields before anything is sent; the services check again.
function validateForms() {
  for (const form of document.querySelectorAll("form[data-validate]")) {
    const show = (field) => {
      const error = document.getElementById(field.id + "-error");
      if (!error) return;
      const bad = !field.checkValidity();
      error.hidden = !bad;
      error.textContent = bad ? field.validationMessage : "";
      if (bad) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    };
    for (const field of form.querySelectorAll("input, select, textarea")) {
      field.addEventListener("blur", () => { if (field.value) show(field); });
      field.addEventListener("input", () => { if (field.getAttribute("aria-invalid")) show(field); });
    }
    form.addEventListener("submit", (event) => {
      const fields = [...form.querySelectorAll("input, select, textarea")].filter((f) => f.id);
      fields.forEach(show);
      const first = fields.find((f) => !f.checkValidity());
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
  }
}

function selectAll() {
  for (const box of document.querySelectorAll("[data-select-all]")) {
    box.addEventListener("change", () => {
      for (const pick of box.form.querySelectorAll('input[name="application_id"]')) pick.checked = box.checked;
    });
  }
}

// Swap the page's live regions for fresh copies, leaving alone one the person is typing in and
// one that has not changed (so a click on it, a download link say, is never lost to a swap).
async function refreshRegions(ids) {
  const response = await fetch(location.href, { credentials: "same-origin", headers: { "X-Live": "1" } });
  if (!response.ok) return false;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live-region]")) {
    if (ids && !ids.includes(region.id)) continue;
    const busy = region.contains(document.activeElement) && document.activeElement.matches("input, textarea, select");
    const open = region.querySelector("details[open]");
    const replacement = fresh.getElementById(region.id);
    if (replacement && !busy && !open && !replacement.isEqualNode(region)) {
      region.replaceWith(replacement);
      placeGrid(replacement);
    }
  }
  return true;
}

function liveUpdates() {
  const url = document.body.dataset.live;
  if (!url || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const events = new EventSource(url);
  let timer = null;
  events.onmessage = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (await refreshRegions()) {
        status.textContent = status.dataset.updated;
        document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates || 0) + 1);
      }
    }, 250);
  };
  // what changed between rendering the page and the stream's start is fetched once it is open
  events.onopen = async () => {
    await refreshRegions();
    document.body.dataset.liveConnected = "true";
  };
  events.onerror = () => { status.textContent = status.dataset.offline; };
}

function importProgress() {
  const box = document.querySelector("[data-import]");
  if (!box || box.dataset.done === "true") return;
  const bar = document.getElementById("import-progress");
  const tick = async () => {
    const response = await fetch(`/delegation/imports/${box.dataset.import}/progress`, { credentials: "same-origin" });
    if (response.ok) {
      const job = await response.json();
      bar.value = job.percent;
      bar.textContent = job.percent + "%";
      for (const [key, value] of Object.entries(job)) {
        const slot = box.querySelector(`[data-field="${key}"]`);
        if (slot) slot.textContent = value;
      }
      if (job.status === "done") {
        box.dataset.done = "true";
        await refreshRegions(["import-errors"]);
        return;
      }
    }
    setTimeout(tick, 500);
  };
  setTimeout(tick, 300);
}

// Where the browser can read QR codes (BarcodeDetector), scan the badge with the camera.
function camera() {
  const button = document.querySelector("[data-camera]");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const video = document.querySelector("[data-camera-view]");
    const form = button.closest("form");
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const look = async () => {
      const codes = await detector.detect(video);
      if (codes.length) {
        stream.getTracks().forEach((t) => t.stop());
        form.elements.code.value = codes[0].rawValue;
        form.requestSubmit();
        return;
      }
      setTimeout(look, 250);
    };
    look();
  });
}
