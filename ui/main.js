// The main window: connection status, "me", Do-Not-Disturb and department toggles, the contact
// column (contacts.js) and the call history with its filters.
import { initLanguage, t, formatWhen, formatDuration } from "./i18n.js";
import { initContacts } from "./contacts.js";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

const FILTERS = ["all", "incoming", "outgoing", "missed", "not_called_back", "not_reached"];
let filter = "all";
let lastStatus = {};

// Provider and domain, with "me" unless the picker shows who "me" is.
function showAccount() {
  const pickerShown = !document.getElementById("me-picker").hidden;
  const me = lastStatus.user && !pickerShown ? ` · ${t("me")}: ${lastStatus.user}` : "";
  document.getElementById("account").textContent = (lastStatus.account || "") + me;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function callButton(number, label = t("call")) {
  const button = element("button", "call", label);
  button.addEventListener("click", () =>
    invoke("call_number", { number }).then(() => showInfo(t("calling_now"))).catch(showError));
  return button;
}

function item(title, sub, number) {
  const li = element("li");
  const text = element("div", "grow");
  text.append(element("div", "title", title), element("div", "sub", sub));
  li.append(text);
  if (number) li.append(callButton(number));
  return li;
}

function empty(text) {
  return element("li", "empty", text);
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
    groups.append(element("span", "muted small", `${t("group_calls")}:`));
    for (const group of list) {
      const label = element("label", "chip-toggle");
      const box = element("input");
      box.type = "checkbox";
      box.checked = group.on;
      box.dataset.group = group.id;
      box.addEventListener("change", () =>
        invoke("set_group_subscription", { group: group.id, on: box.checked })
          .then(showPresence).catch((e) => { box.checked = !box.checked; showError(e); }));
      label.append(box, document.createTextNode(group.name));
      groups.append(label);
    }
  }
}

// Actions the provider does not offer are shown disabled, with the reason.
async function showCapabilities() {
  const caps = await invoke("capabilities").catch(() => null);
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
    employees = await invoke("employees");
  } catch (e) {
    // The provider lists no employees: "me" stays as configured, and the picker says why.
    const current = element("option", "", lastStatus.user || t("pick_me"));
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
    const none = element("option", "", t("pick_me"));
    none.value = "";
    none.selected = true;
    options.push(none);
  }
  for (const e of employees) {
    const option = element("option", "", e.ext && e.ext !== e.name ? `${e.name} (${e.ext})` : e.name);
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
    const play = element("button", "play", "▶");
    play.title = t("play_recording");
    play.addEventListener("click", async () => {
      let audio = li.querySelector("audio");
      if (!audio) {
        play.disabled = true;
        try {
          // Fetched by the app: some PBXs want their session cookie for it.
          const src = await invoke("recording_data", { provider: call.provider, callId: call.call_id });
          audio = element("audio");
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
  const calls = await invoke("call_history", { filter }).catch(() => []);
  list.replaceChildren(...(calls.length ? calls.map(historyItem) : [empty(t(filter === "all" ? "no_calls" : "no_calls_here"))]));
}

function drawFilters() {
  const box = document.getElementById("filters");
  box.replaceChildren(...FILTERS.map((name) => {
    const chip = element("button", name === filter ? "chip active" : "chip", t(`f_${name}`));
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
  invoke("sync_history")
    .then((n) => { showInfo(t("loaded_calls", { n })); refreshCalls(); })
    .catch(showError)
    .finally(() => { sync.disabled = false; });
});
document.getElementById("dnd").addEventListener("change", (event) => {
  const box = event.target;
  box.disabled = true;
  invoke("set_dnd", { on: box.checked })
    .then(showPresence)
    .catch((e) => { box.checked = !box.checked; box.disabled = false; showError(e); });
});
document.getElementById("me").addEventListener("change", (event) => {
  if (event.target.value) invoke("set_me", { user: event.target.value }).catch(showError);
});
const settingsButton = document.getElementById("open-settings");
settingsButton.title = t("settings");
settingsButton.setAttribute("aria-label", t("settings"));
settingsButton.addEventListener("click", () => invoke("open_settings").catch(showError));
drawFilters();
initContacts({ showError, showInfo });
showStatus(await invoke("status"));
showPresence(await invoke("presence"));
await listen("status", (event) => showStatus(event.payload));
await listen("presence", (event) => showPresence(event.payload));
await listen("call-update", () => refreshCalls());
await listen("dial", (event) => {
  const { number, error } = event.payload;
  if (error) showError(`${number}: ${error}`); else showInfo(t("calling_number", { number }));
});
refreshCalls();
