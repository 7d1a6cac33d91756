// The contact column of the main window: search-as-you-type over the whole directory in a
// virtualized list (fixed row height; only the rows in view, plus a few, are in the DOM; pages
// are fetched from the app as the list scrolls), a call button on every number, the Autodialer's
// contact picking, "Sync from the CRM", and the import of CSV and vCard files with a progress bar
// and a report. The CRM editor (crm.js) adds its buttons to each row and to the column's header.
import * as api from "./api.js";
import { el } from "./dom.js";
import { t, addTexts } from "./i18n.js";
import { crmRowActions, crmToolbar } from "./crm.js";

addTexts({
  en: {
    import: "Import…", import_hint: "Add contacts from a CSV or vCard (.vcf) file",
    importing: "Importing {file}…", reading_file: "Reading {file}…", stored: "{done} of {total} stored",
    import_report: "{file}: {added} added, {updated} updated, {skipped} skipped",
    import_unchanged: "{n} were already there unchanged.", import_skipped_title: "Not imported:",
    skipped_line: "line {line}: {reason}", close: "Close", more_numbers: "{n} more numbers",
    call_number: "Call {number}", contacts_found: "{n} found", contacts_total: "{n} contacts",
    no_numbers: "no number", loading: "…",
  },
  ru: {
    import: "Импорт…", import_hint: "Добавить контакты из файла CSV или vCard (.vcf)",
    importing: "Импорт {file}…", reading_file: "Читаем {file}…", stored: "Сохранено {done} из {total}",
    import_report: "{file}: добавлено {added}, обновлено {updated}, пропущено {skipped}",
    import_unchanged: "Без изменений (уже были): {n}.", import_skipped_title: "Не импортированы:",
    skipped_line: "строка {line}: {reason}", close: "Закрыть", more_numbers: "Ещё номеров: {n}",
    call_number: "Позвонить на {number}", contacts_found: "Найдено: {n}", contacts_total: "Контактов: {n}",
    no_numbers: "нет номера", loading: "…",
  },
});

/** Row height in pixels; the CSS gives `#contacts > li.contact` the same. */
const ROW_HEIGHT = 56;
/** Rows kept above and below the visible ones, so a short scroll shows rows at once. */
const OVERSCAN = 8;
/** Rows fetched at a time. */
const PAGE_SIZE = 100;
/** Pause in typing before the search runs. */
const DEBOUNCE_MS = 120;
/** Numbers shown per row; the rest behind a "+N" that cycles through them. */
const NUMBERS_SHOWN = 2;

let ui = { showError: console.error, showInfo: console.info };

// The list: what is searched, how many it finds, the pages fetched so far (by page number), and
// a generation that every answer must match: an answer for an older query is dropped.
const list = { query: "", total: 0, pages: new Map(), pending: new Set(), generation: 0, rows: new Map() };

// Contacts picked for the Autodialer (directory ids), kept across searches.
const selected = new Set();
let selecting = false;

/** A count written the way the window's language writes numbers (100,001 / 100 001). */
function number(n) {
  return new Intl.NumberFormat(document.documentElement.lang || "en").format(n);
}

function listElement() {
  return document.getElementById("contacts");
}

/** The Autodialer's picked contacts, as directory ids. */
export function selectedContactIds() {
  return [...selected];
}

/** Runs the current search again from the top (after an import, a sync, a reconnect). */
export function refreshContacts() {
  search(document.getElementById("search").value, { keepScroll: true });
}

function callButton(number) {
  const button = el("button", { class: "call number" });
  button.append(el("span", { class: "phone-icon", text: "☎" }), document.createTextNode(number.display));
  button.title = t("call_number", { number: number.display });
  button.dataset.number = number.key;
  button.addEventListener("click", () =>
    api.callNumber(number.key).then(() => ui.showInfo(t("calling_now"))).catch(ui.showError));
  return button;
}

function numberButtons(contact, from) {
  const numbers = contact.numbers;
  if (!numbers.length) return [el("span", { class: "muted small", text: t("no_numbers") })];
  const shown = numbers.slice(from, from + NUMBERS_SHOWN).map(callButton);
  const rest = numbers.length - NUMBERS_SHOWN;
  if (rest > 0) {
    const more = el("button", { class: "more", text: from + NUMBERS_SHOWN < numbers.length ? `+${numbers.length - from - NUMBERS_SHOWN}` : "↺" });
    more.title = t("more_numbers", { n: rest });
    more.addEventListener("click", () => {
      const next = from + NUMBERS_SHOWN < numbers.length ? from + NUMBERS_SHOWN : 0;
      more.parentElement.replaceChildren(...numberButtons(contact, next));
    });
    shown.push(more);
  }
  return shown;
}

function contactRow(contact, index) {
  const li = el("li", { class: "contact" });
  li.style.top = `${index * ROW_HEIGHT}px`;
  li.dataset.index = index;
  li.dataset.contactId = contact.id;
  if (selecting) {
    const box = el("input");
    box.type = "checkbox";
    box.className = "pick";
    box.dataset.contactId = contact.id;
    box.checked = selected.has(contact.id);
    box.disabled = !contact.numbers.length;
    box.addEventListener("change", () => {
      if (box.checked) selected.add(contact.id); else selected.delete(contact.id);
      showSelection();
    });
    li.append(box);
  }
  const text = el("div", { class: "grow card-text" });
  const head = el("div", { class: "head" });
  head.append(el("span", { class: "title", text: contact.name }));
  if (contact.company) head.append(el("span", { class: "company", text: contact.company }));
  const numbers = el("div", { class: "numbers" });
  numbers.append(...numberButtons(contact, 0));
  // The CRM's buttons share the name's line, so the numbers keep the row's whole width. The
  // numbers come first in the DOM (drawn below the name): a row's first button calls.
  const actions = crmRowActions(contact);
  if (actions.length) {
    const box = el("span", { class: "row-actions" });
    box.append(...actions);
    head.append(box);
  }
  text.append(numbers, head);
  li.append(text);
  return li;
}

function placeholderRow(index) {
  const li = el("li", { class: "contact loading", text: t("loading") });
  li.style.top = `${index * ROW_HEIGHT}px`;
  li.dataset.index = index;
  return li;
}

function rowAt(index) {
  return list.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
}

async function fetchPage(page) {
  if (list.pages.has(page) || list.pending.has(page)) return;
  const generation = list.generation;
  list.pending.add(page);
  try {
    const answer = await api.contactsPage(list.query, page * PAGE_SIZE, PAGE_SIZE);
    if (generation !== list.generation) return;
    list.pages.set(page, answer.rows);
    if (answer.total !== list.total) setTotal(answer.total);
    draw(true);
  } catch (e) {
    if (generation === list.generation) ui.showError(e);
  } finally {
    if (generation === list.generation) list.pending.delete(page);
  }
}

function setTotal(total) {
  list.total = total;
  const ul = listElement();
  let spacer = ul.querySelector(".spacer");
  if (!spacer) {
    spacer = el("li", { class: "spacer" });
    spacer.setAttribute("aria-hidden", "true");
    ul.prepend(spacer);
  }
  spacer.style.height = `${total * ROW_HEIGHT}px`;
  ul.classList.toggle("is-empty", total === 0);
  let empty = ul.querySelector(".empty");
  if (total === 0 && !empty) {
    empty = el("li", { class: "empty", text: t("no_contacts") });
    ul.append(empty);
  } else if (total > 0 && empty) {
    empty.remove();
  }
  const n = number(total);
  document.getElementById("contacts-count").textContent = list.query.trim() ? t("contacts_found", { n }) : t("contacts_total", { n });
}

// Puts the rows in view (and the overscan) into the DOM and takes the others out. `refill`
// redraws placeholders whose page has arrived.
function draw(refill = false) {
  const ul = listElement();
  const first = Math.max(0, Math.floor(ul.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(list.total, Math.ceil((ul.scrollTop + ul.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  for (const [index, li] of list.rows) {
    if (index < first || index >= last) {
      li.remove();
      list.rows.delete(index);
    }
  }
  const fragment = document.createDocumentFragment();
  for (let index = first; index < last; index++) {
    const existing = list.rows.get(index);
    if (existing && !(refill && existing.classList.contains("loading"))) continue;
    const contact = rowAt(index);
    if (!contact) fetchPage(Math.floor(index / PAGE_SIZE));
    const li = contact ? contactRow(contact, index) : placeholderRow(index);
    if (existing) existing.replaceWith(li); else fragment.append(li);
    list.rows.set(index, li);
  }
  ul.append(fragment);
}

// Searches asked for, in order: only the answer to the latest is shown.
let searches = 0;

// A new search: the first page answers with the count; until it does, the old rows stay.
async function search(query, { keepScroll = false } = {}) {
  const asked = ++searches;
  const ul = listElement();
  try {
    const answer = await api.contactsPage(query, 0, PAGE_SIZE);
    if (asked !== searches) return;
    // From here on, pages still coming for the previous list are dropped.
    list.generation += 1;
    list.query = query;
    list.pages = new Map([[0, answer.rows]]);
    list.pending = new Set();
    for (const li of list.rows.values()) li.remove();
    list.rows.clear();
    setTotal(answer.total);
    // The query whose answer the list shows (tests wait on it).
    ul.dataset.query = query;
    if (!keepScroll) ul.scrollTop = 0;
    draw();
  } catch (e) {
    if (asked === searches) ui.showError(e);
  }
}

function redrawRows() {
  for (const li of list.rows.values()) li.remove();
  list.rows.clear();
  draw();
}

function showSelection() {
  document.getElementById("autodial-count").textContent = t("selected", { n: selected.size });
  document.getElementById("ad-send").disabled = selected.size === 0;
  document.getElementById("ad-robot").hidden = selected.size !== 1;
}

async function setUpAutodialer() {
  const toggle = document.getElementById("autodial-toggle");
  const form = document.getElementById("autodial");
  toggle.textContent = t("autodialer");
  const status = await api.autodialerStatus().catch((e) => ({ ready: false, reason: String(e) }));
  toggle.disabled = !status.ready;
  toggle.title = status.reason || t("autodialer_hint");
  if (status.campaign && !document.getElementById("ad-campaign").value) {
    document.getElementById("ad-campaign").value = status.campaign;
  }
  toggle.onclick = () => {
    selecting = !selecting;
    form.hidden = !selecting;
    toggle.classList.toggle("active", selecting);
    showSelection();
    redrawRows();
  };
}

async function sendToCampaign(confirmed) {
  const value = (id) => document.getElementById(id).value.trim();
  const request = {
    contact_ids: [...selected],
    campaign: value("ad-campaign"),
    from: value("ad-from") || null,
    to: value("ad-to") || null,
    attempts: value("ad-attempts") ? Number(value("ad-attempts")) : null,
    confirmed,
  };
  const warning = document.getElementById("ad-warning");
  const report = document.getElementById("ad-report");
  try {
    const outcome = await api.autodialSend(request);
    if (outcome.needs_confirmation) {
      warning.hidden = false;
      warning.textContent = `⚠ ${outcome.needs_confirmation}`;
      document.getElementById("ad-send").textContent = t("send_anyway");
      document.getElementById("ad-send").dataset.confirmed = "1";
      return;
    }
    warning.hidden = true;
    report.hidden = false;
    report.textContent = [outcome.summary, ...outcome.explanations,
      outcome.skipped ? t("skipped_no_number", { n: outcome.skipped }) : ""].filter(Boolean).join("\n");
  } catch (e) {
    ui.showError(e);
  }
}

function setUpAutodialerForm() {
  document.getElementById("l-campaign").textContent = t("campaign");
  document.getElementById("l-window").textContent = t("window");
  document.getElementById("l-attempts").textContent = t("attempts");
  const sendButton = document.getElementById("ad-send");
  sendButton.textContent = t("send_to_campaign");
  document.getElementById("autodial").addEventListener("submit", (event) => {
    event.preventDefault();
    const confirmed = sendButton.dataset.confirmed === "1";
    sendToCampaign(confirmed).finally(() => {
      if (confirmed) { delete sendButton.dataset.confirmed; sendButton.textContent = t("send_to_campaign"); }
    });
  });
  for (const id of ["ad-from", "ad-to"]) {
    // A changed window asks again whether a window-less send is meant.
    document.getElementById(id).addEventListener("input", () => {
      delete sendButton.dataset.confirmed;
      sendButton.textContent = t("send_to_campaign");
      document.getElementById("ad-warning").hidden = true;
    });
  }
  const robot = document.getElementById("ad-robot");
  robot.textContent = t("robot_call");
  robot.addEventListener("click", () =>
    api.autodialCall([...selected][0]).then((job) => ui.showInfo(t("robot_calling", { job }))).catch(ui.showError));
}

// The import panel: a progress bar while the file is read and stored, then the report.
function importPanel() {
  const panel = document.getElementById("import-panel");
  panel.hidden = false;
  return panel;
}

function showProgress(file, done, total) {
  const panel = importPanel();
  panel.dataset.state = "running";
  panel.dataset.file = file;
  const bar = el("progress", { class: "import-bar" });
  bar.id = "import-progress";
  if (total > 0) { bar.max = total; bar.value = done; }
  const label = el("div", { class: "small", text: total > 0 ? `${t("importing", { file })} ${t("stored", { done: number(done), total: number(total) })}` : t("reading_file", { file }) });
  label.id = "import-status";
  panel.replaceChildren(label, bar);
}

function showReport(outcome) {
  const panel = importPanel();
  panel.dataset.state = "done";
  const head = el("div", { class: "row" });
  const summary = el("strong", { class: "grow", text: t("import_report", {
    file: outcome.file, added: outcome.added, updated: outcome.updated, skipped: outcome.skipped.length,
  }) });
  summary.id = "import-summary";
  const close = el("button", { class: "link", text: "✕" });
  close.title = t("close");
  close.addEventListener("click", () => { panel.hidden = true; });
  head.append(summary, close);
  const parts = [head];
  if (outcome.unchanged) parts.push(el("div", { class: "small muted", text: t("import_unchanged", { n: outcome.unchanged }) }));
  if (outcome.skipped.length) {
    parts.push(el("div", { class: "small", text: t("import_skipped_title") }));
    const skipped = el("ul", { class: "skipped" });
    skipped.id = "import-skipped";
    skipped.append(...outcome.skipped.map((row) => el("li", { text: t("skipped_line", row) })));
    parts.push(skipped);
  }
  panel.replaceChildren(...parts);
}

function showImportError(file, error) {
  const panel = importPanel();
  panel.dataset.state = "error";
  const message = el("div", { class: "banner error", text: String(error) });
  message.id = "import-error";
  const close = el("button", { class: "link", text: "✕" });
  close.title = t("close");
  close.addEventListener("click", () => { panel.hidden = true; });
  const row = el("div", { class: "row" });
  row.append(message, close);
  panel.replaceChildren(row);
}

async function importFile(file) {
  const button = document.getElementById("import-contacts");
  button.disabled = true;
  showProgress(file.name, 0, 0);
  try {
    // The bytes go as the raw request body: no JSON or base64 for a 10 MB export.
    const bytes = new Uint8Array(await file.arrayBuffer());
    const outcome = await api.importContacts(bytes, file.name);
    showReport(outcome);
    refreshContacts();
  } catch (e) {
    showImportError(file.name, e);
  } finally {
    button.disabled = false;
  }
}

function setUpImport() {
  const button = document.getElementById("import-contacts");
  const input = document.getElementById("import-file");
  button.textContent = t("import");
  button.title = t("import_hint");
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files[0];
    input.value = "";
    if (file) importFile(file);
  });
  api.onImportProgress(({ done, total }) => {
    const panel = document.getElementById("import-panel");
    if (panel.dataset.state === "running") showProgress(panel.dataset.file, done, total);
  });
}

/** Sets the column up; `showError` / `showInfo` put a message in the window's banner. */
export function initContacts({ showError, showInfo }) {
  ui = { showError, showInfo };
  document.getElementById("contacts-title").textContent = t("contacts");
  const input = document.getElementById("search");
  input.placeholder = t("search");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), DEBOUNCE_MS);
  });
  listElement().addEventListener("scroll", () => draw(), { passive: true });
  new ResizeObserver(() => draw()).observe(listElement());
  const toolbar = document.getElementById("contacts-actions");
  toolbar.append(...crmToolbar());
  setUpAutodialerForm();
  setUpImport();
  const syncContacts = document.getElementById("sync-contacts");
  syncContacts.textContent = t("sync_contacts");
  syncContacts.addEventListener("click", () => {
    syncContacts.disabled = true;
    api.syncContacts()
      .then((report) => { ui.showInfo(t("synced", { report })); refreshContacts(); })
      .catch(ui.showError)
      .finally(() => { syncContacts.disabled = false; });
  });
  setUpAutodialer();
  api.onStatus((status) => {
    if (status.state === "online") setUpAutodialer();
    refreshContacts();
  });
  search("");
}
