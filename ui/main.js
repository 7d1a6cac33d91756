// The main window: connection status, "me", Do-Not-Disturb and department toggles, the contact
// column (contacts.js) and the call history with its filters.
import * as api from "./api.js";
import { el } from "./dom.js";
import { initLanguage, t, formatWhen, formatDuration } from "./i18n.js";
import { initContacts } from "./contacts.js";

const FILTERS = ["all", "incoming", "outgoing", "missed", "not_called_back", "not_reached"];
let filter = "all";
let lastStatus = {};

// Provider and domain, with "me" unless the picker shows who "me" is.
function showAccount() {
  const pickerShown = !document.getElementById("me-picker").hidden;
  const me = lastStatus.user && !pickerShown ? ` · ${t("me")}: ${lastStatus.user}` : "";
  document.getElementById("account").textContent = (lastStatus.account || "") + me;
}

function callButton(number, label = t("call")) {
  const button = el("button", { class: "call", text: label });
  button.addEventListener("click", () =>
    api.callNumber(number).then(() => showInfo(t("calling_now"))).catch(showError));
  return button;
}

function item(title, sub, number) {
  const li = el("li");
  const text = el("div", { class: "grow" });
  text.append(el("div", { class: "title", text: title }), el("div", { class: "sub", text: sub }));
  li.append(text);
  if (number) li.append(callButton(number));
  return li;
}

function empty(text) {
  return el("li", { class: "empty", text });
}

function showError(message) {
  const banner = document.getElementById("banner");
  banner.hidden = false;
  banner.className = "banner error";
  banner.textContent = String(message);
}

function showInfo(message) {
  const banner = document.getElementById("banner");
  banner.hidden = false;
  banner.className = "banner info";
  banner.textContent = message;
}

function showStatus(status) {
  const badge = document.getElementById("status");
  badge.className = `badge ${status.state}`;
  badge.textContent = t(`status_${status.state || "starting"}`);
  lastStatus = status;
  showAccount();
  const banner = document.getElementById("banner");
  if (status.error) {
    showError(status.error);
  } else if (status.demo) {
    banner.hidden = false;
    banner.className = "banner";
    banner.textContent = t("demo");
  } else {
    banner.hidden = true;
  }
  if (status.state === "online") { loadEmployees(); showCapabilities(); }
}

function showPresence(p) {
  const dnd = document.getElementById("dnd");
  dnd.checked = p.dnd === true;
  dnd.disabled = p.dnd === null || p.dnd === undefined;
  const dndSwitch = document.getElementById("dnd-switch");
  dndSwitch.title = p.dnd_unavailable || "";
  dndSwitch.classList.toggle("off", dnd.disabled);
  document.body.classList.toggle("dnd-on", p.dnd === true);

  const groups = document.getElementById("groups");
  const shown = [...groups.querySelectorAll("input[data-group]")];
  if (shown.length === p.groups.length && shown.every((box, i) => box.dataset.group === p.groups[i].id)) {
    // The same departments: update in place, so focus and a click in progress are kept.
    shown.forEach((box, i) => { box.checked = p.groups[i].on; });
  } else {
    drawGroups(groups, p.groups);
  }
  document.getElementById("presence-note").textContent = p.error ? `⚠ ${p.error}` : "";
}

function drawGroups(groups, list) {
  groups.replaceChildren();
  if (list.length) {
    groups.append(el("span", { class: "muted small", text: `${t("group_calls")}:` }));
    for (const group of list) {
      const label = el("label", { class: "chip-toggle" });
      const box = el("input");
      box.type = "checkbox";
      box.checked = group.on;
      box.dataset.group = group.id;
      box.addEventListener("change", () =>
        api.setGroupSubscription(group.id, box.checked)
          .then(showPresence).catch((e) => { box.checked = !box.checked; showError(e); }));
      label.append(box, document.createTextNode(group.name));
      groups.append(label);
    }
  }
}

// Actions the provider does not offer are shown disabled, with the reason.
async function showCapabilities() {
  const caps = await api.capabilities().catch(() => null);
  if (!caps) return;
  const sync = document.getElementById("sync-history");
  sync.disabled = !caps.offers.history;
  sync.title = caps.offers.history ? "" : t("not_offered", { provider: caps.provider, action: t("load_from_pbx") });
  const syncContacts = document.getElementById("sync-contacts");
  syncContacts.hidden = false;
  syncContacts.disabled = !caps.offers.contacts_sync;
  syncContacts.title = caps.offers.contacts_sync ? "" : t("not_offered", { provider: caps.provider, action: t("sync_contacts") });
}

async function loadEmployees() {
  const picker = document.getElementById("me-picker");
  const select = document.getElementById("me");
  let employees;
  try {
    employees = await api.employees();
  } catch (e) {
    // The provider lists no employees: "me" stays as configured, and the picker says why.
    const current = el("option", { text: lastStatus.user || t("pick_me") });
    select.replaceChildren(current);
    select.disabled = true;
    picker.title = String(e);
    picker.hidden = !lastStatus.user;
    showAccount();
    return;
  }
  select.disabled = false;
  picker.title = "";
  const options = [];
  if (!employees.some((e) => e.me)) {
    const none = el("option", { text: t("pick_me") });
    none.value = "";
    none.selected = true;
    options.push(none);
  }
  for (const e of employees) {
    const option = el("option", { text: e.ext && e.ext !== e.name ? `${e.name} (${e.ext})` : e.name });
    option.value = e.user;
    option.selected = e.me;
    options.push(option);
  }
  select.replaceChildren(...options);
  picker.hidden = employees.length === 0;
  showAccount();
}

// What became of a finished call as its PBX said it (busy, no answer...); a live one's state.
function callResult(call) {
  return call.outcome ? t(`o_${call.outcome}`) : t(`s_${call.state}`);
}

function callLine(call) {
  const parts = [formatWhen(call.started_at), t(`dir_${call.direction}`), callResult(call)];
  // A department's call, its legs merged: who it rang and who took it.
  if (call.rang && call.rang.length > 1) {
    parts.push(t("rang", { exts: call.rang.join(", ") }));
    if (call.answered_by) parts.push(t("by", { ext: call.answered_by }));
  }
  const talk = call.talk_seconds ?? (call.answered_at && call.ended_at
    ? (new Date(call.ended_at) - new Date(call.answered_at)) / 1000 : null);
  if (talk) parts.push(formatDuration(talk));
  if (call.note) parts.push(`«${call.note}»`);
  const utm = Object.values(call.utm || {});
  if (utm.length) parts.push(`utm: ${utm.slice(0, 3).join("/")}`);
  return parts.join(" · ");
}

function historyItem(call) {
  const li = item(call.contact_name || call.customer || "?", callLine(call), null);
  li.querySelector(".sub").classList.add(`state-${call.state}`);
  if (call.outcome) li.querySelector(".sub").classList.add(`outcome-${call.outcome}`);
  li.dataset.callId = call.call_id;
  if (call.recording) {
    const play = el("button", { class: "play", text: "▶" });
    play.title = t("play_recording");
    play.addEventListener("click", async () => {
      let audio = li.querySelector("audio");
      if (!audio) {
        play.disabled = true;
        try {
          // Fetched by the app: some PBXs want their session cookie for it.
          const src = await api.recordingData(call.provider, call.call_id);
          audio = el("audio");
          audio.controls = true;
          audio.src = src;
          li.append(audio);
        } catch (e) {
          showError(e);
          return;
        } finally {
          play.disabled = false;
        }
      }
      audio.play().catch(showError);
    });
    li.append(play);
  }
  if (call.customer) li.append(callButton(call.customer, call.direction === "in" ? t("call_back") : t("call")));
  return li;
}

async function refreshCalls() {
  const list = document.getElementById("calls");
  const calls = await api.callHistory(filter).catch(() => []);
  list.replaceChildren(...(calls.length ? calls.map(historyItem) : [empty(t(filter === "all" ? "no_calls" : "no_calls_here"))]));
}

function drawFilters() {
  const box = document.getElementById("filters");
  box.replaceChildren(...FILTERS.map((name) => {
    const chip = el("button", { class: name === filter ? "chip active" : "chip", text: t(`f_${name}`) });
    chip.dataset.filter = name;
    chip.addEventListener("click", () => { filter = name; drawFilters(); refreshCalls(); });
    return chip;
  }));
}

await initLanguage();
document.getElementById("calls-title").textContent = t("history");
document.getElementById("dnd-label").textContent = t("dnd");
document.getElementById("me-label").textContent = `${t("me")}:`;
const sync = document.getElementById("sync-history");
sync.textContent = t("load_from_pbx");
sync.addEventListener("click", () => {
  sync.disabled = true;
  api.syncHistory()
    .then((n) => { showInfo(t("loaded_calls", { n })); refreshCalls(); })
    .catch(showError)
    .finally(() => { sync.disabled = false; });
});
document.getElementById("dnd").addEventListener("change", (event) => {
  const box = event.target;
  box.disabled = true;
  api.setDnd(box.checked)
    .then(showPresence)
    .catch((e) => { box.checked = !box.checked; box.disabled = false; showError(e); });
});
document.getElementById("me").addEventListener("change", (event) => {
  if (event.target.value) api.setMe(event.target.value).catch(showError);
});
const settingsButton = document.getElementById("open-settings");
settingsButton.title = t("settings");
settingsButton.setAttribute("aria-label", t("settings"));
settingsButton.addEventListener("click", () => api.openSettings().catch(showError));
drawFilters();
initContacts({ showError, showInfo });
showStatus(await api.status());
showPresence(await api.presence());
await api.onStatus(showStatus);
await api.onPresence(showPresence);
await api.onCallUpdate(() => refreshCalls());
await api.onDial(({ number, error }) => {
  if (error) showError(`${number}: ${error}`); else showInfo(t("calling_number", { number }));
});
refreshCalls();
