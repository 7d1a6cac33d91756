// The main window: connection status, directory search and recent calls.
import { initLanguage, t, formatWhen } from "./i18n.js";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

function item(title, sub, number) {
  const li = document.createElement("li");
  const text = document.createElement("div");
  text.className = "grow";
  const titleEl = document.createElement("div");
  titleEl.className = "title";
  titleEl.textContent = title;
  const subEl = document.createElement("div");
  subEl.className = "sub";
  subEl.textContent = sub;
  text.append(titleEl, subEl);
  li.append(text);
  if (number) {
    const button = document.createElement("button");
    button.textContent = t("call");
    button.addEventListener("click", () => invoke("call_number", { number }).catch(showError));
    li.append(button);
  }
  return li;
}

function empty(text) {
  const li = document.createElement("li");
  li.className = "empty";
  li.textContent = text;
  return li;
}

function showError(message) {
  const banner = document.getElementById("banner");
  banner.hidden = false;
  banner.className = "banner error";
  banner.textContent = String(message);
}

function showStatus(status) {
  const badge = document.getElementById("status");
  badge.className = `badge ${status.state}`;
  badge.textContent = t(`status_${status.state || "starting"}`);
  const me = status.user ? ` · ${t("me")}: ${status.user}` : "";
  document.getElementById("account").textContent = (status.account || "") + me;
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
}

async function refreshCalls() {
  const list = document.getElementById("calls");
  const calls = await invoke("recent_calls").catch(() => []);
  list.replaceChildren(...(calls.length ? calls.map((call) => {
    const li = item(call.contact_name || call.customer || "?",
      `${formatWhen(call.started_at)} · ${t(`dir_${call.direction}`)} · ${t(`s_${call.state}`)}`, call.customer);
    li.querySelector(".sub").classList.add(`state-${call.state}`);
    return li;
  }) : [empty(t("no_calls"))]));
}

async function search(query) {
  const list = document.getElementById("contacts");
  const contacts = await invoke("search_contacts", { query }).catch(() => []);
  list.replaceChildren(...(contacts.length ? contacts.map((c) =>
    item(c.name, [c.company, c.numbers[0]?.display].filter(Boolean).join(" · "), c.numbers[0]?.key)) : [empty(t("no_contacts"))]));
}

await initLanguage();
document.getElementById("contacts-title").textContent = t("contacts");
document.getElementById("calls-title").textContent = t("recent_calls");
const input = document.getElementById("search");
input.placeholder = t("search");
input.addEventListener("input", () => search(input.value));
showStatus(await invoke("status"));
await listen("status", (event) => { showStatus(event.payload); search(input.value); });
await listen("call-update", () => refreshCalls());
search("");
refreshCalls();
