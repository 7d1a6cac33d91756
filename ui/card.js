// The caller card: one section per call, updated from the app's `call-update` events.
import * as api from "./api.js";
import { el } from "./dom.js";
import { initLanguage, t, formatDuration, formatWhen } from "./i18n.js";

const calls = new Map();
let me = null;
// What the provider offers (hang-up...), once connected.
let offers = {};
const root = document.getElementById("cards");
const template = document.getElementById("card-template");

function stateLabel(view) {
  switch (view.state) {
    case "ringing": return t(`ringing_${view.direction}`);
    case "answered":
      if (view.on_hold) return t("on_hold");
      return view.employee_name && me && view.employee !== me ? t("answered_by", { name: view.employee_name }) : t("answered");
    case "ended": return t("ended", { duration: formatDuration(talkSeconds(view)) });
    default: return t(view.state);
  }
}

function talkSeconds(view) {
  if (!view.answered_at) return 0;
  const end = view.ended_at ? new Date(view.ended_at) : new Date();
  return (end - new Date(view.answered_at)) / 1000;
}

function timerText(view) {
  if (view.state === "ringing") return formatDuration((Date.now() - new Date(view.started_at)) / 1000);
  if (view.state === "answered") return formatDuration(talkSeconds(view));
  return "";
}

function render(view) {
  let card = root.querySelector(`[data-call-id="${CSS.escape(view.call_id)}"]`);
  if (!card) {
    card = template.content.firstElementChild.cloneNode(true);
    card.dataset.callId = view.call_id;
    card.querySelector(".close").addEventListener("click", () => api.closeCard(view.call_id));
    card.querySelector(".crm").addEventListener("click", () => {
      const call = calls.get(view.call_id);
      const url = call?.contact?.url || call?.new_contact_url;
      if (url) api.openUrl(url);
    });
    card.querySelector(".copy").addEventListener("click", async (event) => {
      const number = calls.get(view.call_id)?.customer;
      if (!number) return;
      await navigator.clipboard?.writeText(number).catch(() => {});
      event.target.textContent = t("copied");
      setTimeout(() => { event.target.textContent = t("copy"); }, 1500);
    });
    card.querySelector(".close").title = t("close");
    const hangup = card.querySelector(".hangup");
    hangup.textContent = t("hang_up");
    hangup.addEventListener("click", () => api.hangUp(view.call_id).catch(() => {}));
    loadNotes(card, view.call_id);
    markPainted(view.call_id, performance.timeOrigin + performance.now());
    card.querySelector(".copy").textContent = t("copy");
    root.prepend(card);
  }
  const contact = view.contact;
  card.dataset.state = view.state;
  card.classList.toggle("on-hold", Boolean(view.on_hold));
  card.querySelector(".state").textContent = stateLabel(view);
  card.querySelector(".timer").textContent = timerText(view);

  const name = card.querySelector(".name");
  name.textContent = contact?.name || t("unknown");
  name.classList.toggle("unknown", !contact?.name);
  name.title = [contact?.name, view.contact_source === "pbx" ? `(${t("from_pbx")})` : ""].filter(Boolean).join(" ");
  card.querySelector(".company").textContent = contact?.company || (contact ? "" : t("new_number"));
  card.querySelector(".number").textContent = view.customer_display || view.customer || "";
  const responsible = card.querySelector(".responsible");
  responsible.textContent = contact?.responsible ? `${t("responsible")}: ${contact.responsible}` : "";

  const recent = card.querySelector(".recent");
  recent.replaceChildren(...view.recent.map((call) =>
    el("li", { text: `${formatWhen(call.started_at)} ${t(`s_${call.state}`)}` })));
  if (view.recent.length) recent.firstChild.textContent = `${t("recent")}: ${recent.firstChild.textContent}`;

  card.querySelector(".hangup").hidden = !offers.hangup || !["ringing", "answered"].includes(view.state);

  const crm = card.querySelector(".crm");
  crm.hidden = !contact?.url && !view.new_contact_url;
  crm.textContent = contact?.url ? t("open_crm") : t("create_contact");
}

// When each new card's call reached this page and when the card reached the screen (epoch ms,
// after the frame that shows it): what "event to card visible" is measured against
// (tests/tests/asterisk_app.rs). The last 100.
window.cardPaints = [];
function markPainted(callId, received) {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.cardPaints.push({ callId, received, at: performance.timeOrigin + performance.now() });
    if (window.cardPaints.length > 100) window.cardPaints.shift();
  }));
}

// The contact's last CRM notes, once per card (providers without notes give none).
async function loadNotes(card, callId) {
  const notes = await api.cardNotes(callId).catch(() => []);
  const list = card.querySelector(".notes");
  list.replaceChildren(...notes.map((note) => {
    const when = note.at ? `${formatWhen(note.at)} · ` : "";
    const who = note.author ? `${note.author}: ` : "";
    return el("li", { text: `${when}${who}${note.text}`, title: note.text });
  }));
}

function remove(callId) {
  calls.delete(callId);
  root.querySelector(`[data-call-id="${CSS.escape(callId)}"]`)?.remove();
}

function update(view) {
  calls.set(view.call_id, view);
  render(view);
}

await initLanguage();
async function loadOffers() {
  offers = (await api.capabilities().catch(() => null))?.offers || {};
}
me = (await api.status()).user;
await loadOffers();
await api.onStatus((status) => { me = status.user; loadOffers(); });
await api.onCallUpdate(update);
await api.onCallRemoved(remove);
for (const view of await api.currentCalls()) update(view);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") for (const id of [...calls.keys()]) api.closeCard(id);
});
setInterval(() => {
  for (const view of calls.values()) {
    const timer = root.querySelector(`[data-call-id="${CSS.escape(view.call_id)}"] .timer`);
    if (timer) timer.textContent = timerText(view);
  }
}, 1000);
