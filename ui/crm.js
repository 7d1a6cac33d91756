// CRM editing (Vega's CRM Teler) from the contact list: an editor dialog for one contact with its
// notes below, "New CRM contact" and "Upload to CRM…" for the list's toolbar, "Edit in CRM" on
// each row. Offered only when the account's provider can edit its CRM (`capabilities`); every
// failure is said in words inside the dialog, and the form keeps what was typed.
import * as api from "./api.js";
import { el } from "./dom.js";
import { t, addTexts, formatWhen, translate } from "./i18n.js";

addTexts({
  en: {
    crm_edit: "Edit in CRM", crm_edit_hint: "Edit this contact and its notes in the CRM",
    crm_new: "New CRM contact", crm_upload: "Upload to CRM…",
    crm_edit_title: "CRM contact", crm_new_title: "New CRM contact", crm_local_title: "Add to the CRM",
    crm_local_note: "This contact is only in your directory. Saving adds it to the CRM.",
    crm_name: "Name", crm_company: "Company", crm_phones: "Phones", crm_email: "E-mail", crm_responsible: "Responsible",
    crm_nobody: "— nobody —", crm_add_phone: "+ Add a number", crm_remove_phone: "Remove this number",
    crm_save: "Save", crm_cancel: "Cancel", crm_close: "Close", crm_delete: "Delete…",
    crm_confirm_delete: "Delete «{name}» from the CRM and your directory? This cannot be undone.",
    crm_really_delete: "Delete", crm_keep: "Keep",
    crm_saving: "Saving…", crm_saved: "Saved to the CRM.", crm_loading: "Loading from the CRM…",
    crm_need_name: "Enter the contact's name.", crm_need_phone: "Enter at least one phone number: the caller card finds contacts by number.",
    crm_notes: "Notes", crm_notes_later: "Notes can be added once the contact is saved to the CRM.",
    crm_no_notes: "No notes yet.", crm_note_placeholder: "A new note…", crm_add_note: "Add note",
    crm_edit_note: "Edit", crm_delete_note: "Delete", crm_confirm_note: "Delete this note?",
    crm_unknown_author: "author unknown",
    crm_upload_title: "Upload to CRM",
    crm_upload_intro: "These contacts are in your directory but not in the CRM yet. Pick the ones to upload.",
    crm_upload_none: "Every contact of your directory is already in the CRM.",
    crm_all: "All ({n})", crm_merge: "Merge with what the CRM already has",
    crm_merge_hint: "When a contact is already in the CRM, merging keeps its fields this upload leaves out (category, notes…); without it, the uploaded contact replaces the CRM's.",
    crm_upload_go: "Upload {n}", crm_uploading: "Uploading…",
    crm_upload_report: "{succeeded} succeeded, {failed} failed.", crm_upload_linked: "{n} now linked to their CRM record.",
    crm_upload_skipped: "Left out: {name} ({reason})",
    crm_not_offered: "{provider} does not let the app edit its CRM",
  },
  ru: {
    crm_edit: "Изменить в CRM", crm_edit_hint: "Изменить контакт и его заметки в CRM",
    crm_new: "Новый контакт CRM", crm_upload: "Загрузить в CRM…",
    crm_edit_title: "Контакт CRM", crm_new_title: "Новый контакт CRM", crm_local_title: "Добавить в CRM",
    crm_local_note: "Этот контакт есть только в вашем справочнике. «Сохранить» добавит его в CRM.",
    crm_name: "Имя", crm_company: "Компания", crm_phones: "Телефоны", crm_email: "E-mail", crm_responsible: "Ответственный",
    crm_nobody: "— никто —", crm_add_phone: "+ Добавить номер", crm_remove_phone: "Убрать этот номер",
    crm_save: "Сохранить", crm_cancel: "Отмена", crm_close: "Закрыть", crm_delete: "Удалить…",
    crm_confirm_delete: "Удалить «{name}» из CRM и справочника? Отменить будет нельзя.",
    crm_really_delete: "Удалить", crm_keep: "Оставить",
    crm_saving: "Сохраняем…", crm_saved: "Сохранено в CRM.", crm_loading: "Загружаем из CRM…",
    crm_need_name: "Введите имя контакта.", crm_need_phone: "Введите хотя бы один номер: карточка звонка находит контакты по номеру.",
    crm_notes: "Заметки", crm_notes_later: "Заметки можно добавить, когда контакт будет сохранён в CRM.",
    crm_no_notes: "Заметок пока нет.", crm_note_placeholder: "Новая заметка…", crm_add_note: "Добавить заметку",
    crm_edit_note: "Изменить", crm_delete_note: "Удалить", crm_confirm_note: "Удалить эту заметку?",
    crm_unknown_author: "автор неизвестен",
    crm_upload_title: "Загрузка в CRM",
    crm_upload_intro: "Эти контакты есть в вашем справочнике, но ещё не в CRM. Отметьте, какие загрузить.",
    crm_upload_none: "Все контакты справочника уже есть в CRM.",
    crm_all: "Все ({n})", crm_merge: "Объединить с тем, что уже есть в CRM",
    crm_merge_hint: "Если контакт уже есть в CRM, при объединении сохраняются его поля, которых нет в загрузке (категория, заметки…); без объединения загруженный контакт заменит контакт CRM.",
    crm_upload_go: "Загрузить {n}", crm_uploading: "Загружаем…",
    crm_upload_report: "Успешно: {succeeded}, с ошибкой: {failed}.", crm_upload_linked: "Связано с записями CRM: {n}.",
    crm_upload_skipped: "Пропущен: {name} ({reason})",
    crm_not_offered: "{provider} не даёт приложению менять свою CRM",
  },
});

// ---- What the account offers --------------------------------------------------------------

// `true` / `false` once the app said; `null` before it is connected.
let offered = null;
let provider = "";
// Row buttons made before the answer: shown or left hidden when it comes.
let waiting = [];

async function loadCapabilities() {
  const caps = await api.capabilities().catch(() => null);
  const before = offered;
  offered = caps ? caps.offers.crm_edit === true : null;
  provider = caps?.provider || "";
  for (const button of waiting) button.hidden = offered !== true;
  if (offered !== null) waiting = [];
  for (const button of document.querySelectorAll("button.crm-toolbar")) showToolbarButton(button);
  if (before !== offered) refreshList();
}

function showToolbarButton(button) {
  button.hidden = offered === null;
  button.disabled = offered !== true;
  button.title = offered === false ? t("crm_not_offered", { provider }) : "";
}

// The contact list (contacts.js, which imports this module) runs its search again.
function refreshList() {
  import("./contacts.js").then((list) => list.refreshContacts?.()).catch(() => {});
}

api.onStatus(() => loadCapabilities());
loadCapabilities();

// ---- Small helpers ------------------------------------------------------------------------

function button(text, className, onClick, type = "button") {
  const b = el("button", { class: className, text });
  b.type = type;
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

function showMessage(box, text, kind) {
  box.hidden = !text;
  box.dataset.kind = kind || "";
  box.textContent = text || "";
}

// ---- The editor ---------------------------------------------------------------------------

const EDITOR_HTML = `
  <form class="crm-form" novalidate>
    <div class="crm-head"><h2 class="crm-title"></h2><span class="crm-sub muted small"></span></div>
    <p class="crm-message" hidden></p>
    <label class="crm-row"><span data-t="crm_name"></span><input name="name" autocomplete="off"></label>
    <label class="crm-row"><span data-t="crm_company"></span><input name="company" autocomplete="off"></label>
    <div class="crm-row"><span data-t="crm_phones"></span>
      <div class="crm-phones"><div class="crm-phone-list"></div><button type="button" class="link crm-add-phone" data-t="crm_add_phone"></button></div></div>
    <label class="crm-row"><span data-t="crm_email"></span><input name="email" type="email" autocomplete="off"></label>
    <label class="crm-row"><span data-t="crm_responsible"></span><select name="responsible"></select></label>
    <div class="crm-confirm" hidden><span class="crm-confirm-text"></span>
      <button type="button" class="danger crm-really-delete" data-t="crm_really_delete"></button>
      <button type="button" class="crm-keep" data-t="crm_keep"></button></div>
    <div class="crm-buttons">
      <button type="button" class="danger crm-delete" data-t="crm_delete"></button>
      <span class="grow"></span>
      <button type="button" class="crm-cancel" data-t="crm_cancel"></button>
      <button type="submit" class="primary crm-save" data-t="crm_save"></button>
    </div>
  </form>
  <section class="crm-notes">
    <h3 data-t="crm_notes"></h3>
    <p class="crm-notes-later muted small" data-t="crm_notes_later" hidden></p>
    <form class="crm-note-new">
      <textarea rows="2" name="note"></textarea>
      <button type="submit" class="crm-add-note" data-t="crm_add_note"></button>
    </form>
    <p class="crm-notes-message" hidden></p>
    <ul class="crm-note-list"></ul>
  </section>`;

let editor = null;
// What the dialog edits: the directory contact (null for a new one) and its CRM id.
let editing = { contactId: null, crmId: null, name: "" };

function editorDialog() {
  if (editor) return editor;
  editor = el("dialog", { class: "crm-dialog crm-editor" });
  editor.id = "crm-editor";
  editor.innerHTML = EDITOR_HTML;
  translate(editor);
  editor.querySelector(".crm-note-new textarea").placeholder = t("crm_note_placeholder");
  const form = editor.querySelector(".crm-form");
  form.addEventListener("submit", (event) => { event.preventDefault(); save(); });
  editor.querySelector(".crm-add-phone").addEventListener("click", () => addPhoneRow("").querySelector("input").focus());
  editor.querySelector(".crm-cancel").addEventListener("click", () => editor.close());
  editor.querySelector(".crm-delete").addEventListener("click", askDelete);
  editor.querySelector(".crm-keep").addEventListener("click", () => { editor.querySelector(".crm-confirm").hidden = true; });
  editor.querySelector(".crm-really-delete").addEventListener("click", deleteContact);
  editor.querySelector(".crm-note-new").addEventListener("submit", (event) => { event.preventDefault(); addNote(); });
  document.body.append(editor);
  return editor;
}

function addPhoneRow(value) {
  const row = el("div", { class: "crm-phone" });
  const input = el("input");
  input.name = "phone";
  input.type = "tel";
  input.autocomplete = "off";
  input.value = value;
  const remove = button("✕", "link crm-remove-phone", () => {
    row.remove();
    if (!editor.querySelector(".crm-phone")) addPhoneRow("");
  });
  remove.title = t("crm_remove_phone");
  row.append(input, remove);
  editor.querySelector(".crm-phone-list").append(row);
  return row;
}

function field(name) {
  return editor.querySelector(`.crm-form [name=${name}]`);
}

function fill(draft) {
  field("name").value = draft.name || "";
  field("company").value = draft.company || "";
  field("email").value = draft.email || "";
  editor.querySelector(".crm-phone-list").replaceChildren();
  for (const phone of draft.phones?.length ? draft.phones : [""]) addPhoneRow(phone);
  field("responsible").dataset.value = draft.responsible || "";
  fillResponsible();
}

function draftFromForm() {
  const text = (name) => field(name).value.trim() || null;
  return {
    name: field("name").value.trim(),
    company: text("company"),
    phones: [...editor.querySelectorAll(".crm-phone input")].map((i) => i.value.trim()).filter(Boolean),
    email: text("email"),
    responsible: field("responsible").value || null,
  };
}

let employees = null;

async function loadEmployees() {
  const select = field("responsible");
  try {
    employees = await api.crmEmployees();
    select.disabled = false;
    select.title = "";
  } catch (e) {
    employees = [];
    select.disabled = true;
    select.title = String(e);
  }
  fillResponsible();
}

function fillResponsible() {
  const select = field("responsible");
  const wanted = select.dataset.value || "";
  const options = [el("option", { text: t("crm_nobody") })];
  options[0].value = "";
  for (const e of employees || []) {
    const option = el("option", { text: e.name });
    option.value = e.id;
    options.push(option);
  }
  if (wanted && !(employees || []).some((e) => e.id === wanted)) {
    const option = el("option", { text: `#${wanted}` });
    option.value = wanted;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = wanted;
}

function showMode() {
  const title = editing.crmId ? "crm_edit_title" : editing.contactId ? "crm_local_title" : "crm_new_title";
  editor.querySelector(".crm-title").textContent = t(title);
  editor.querySelector(".crm-sub").textContent = editing.crmId ? `CRM #${editing.crmId}` : "";
  editor.querySelector(".crm-delete").hidden = !editing.crmId;
  editor.querySelector(".crm-notes-later").hidden = !!editing.crmId;
  editor.querySelector(".crm-note-new").hidden = !editing.crmId;
  editor.querySelector(".crm-confirm").hidden = true;
  if (!editing.crmId) editor.querySelector(".crm-note-list").replaceChildren();
}

function setBusy(busy) {
  for (const b of editor.querySelectorAll(".crm-form button")) b.disabled = busy;
}

/** Opens the editor for directory contact `contactId`, or for a new CRM contact when null. */
export async function openCrmEditor(contactId = null) {
  const dialog = editorDialog();
  editing = { contactId, crmId: null, name: "" };
  const message = dialog.querySelector(".crm-message");
  showMessage(dialog.querySelector(".crm-notes-message"), "");
  editor.querySelector(".crm-cancel").textContent = t("crm_cancel");
  fill({});
  showMode();
  if (!dialog.open) dialog.showModal();
  loadEmployees();
  if (contactId === null) {
    showMessage(message, "");
    field("name").focus();
    return;
  }
  showMessage(message, t("crm_loading"), "info");
  setBusy(true);
  try {
    const record = await api.crmContact(contactId);
    editing = { contactId, crmId: record.crm_id, name: record.draft.name };
    fill(record.draft);
    showMode();
    showMessage(message, record.crm_id ? "" : t("crm_local_note"), "info");
    if (record.crm_id) loadNotes();
  } catch (e) {
    showMessage(message, String(e), "error");
  } finally {
    setBusy(false);
  }
}

async function save() {
  const message = editor.querySelector(".crm-message");
  const draft = draftFromForm();
  if (!draft.name) { showMessage(message, t("crm_need_name"), "error"); field("name").focus(); return; }
  if (!draft.phones.length) {
    showMessage(message, t("crm_need_phone"), "error");
    editor.querySelector(".crm-phone input").focus();
    return;
  }
  showMessage(message, t("crm_saving"), "info");
  setBusy(true);
  try {
    const saved = editing.crmId
      ? await api.crmUpdate(editing.contactId, draft)
      : await api.crmCreate(draft, editing.contactId);
    const created = !editing.crmId;
    editing = { contactId: saved.contact_id, crmId: saved.crm_id, name: draft.name };
    showMode();
    editor.querySelector(".crm-cancel").textContent = t("crm_close");
    showMessage(message, t("crm_saved"), "ok");
    if (created) loadNotes();
    refreshList();
  } catch (e) {
    // The form keeps what was typed: fix and save again.
    showMessage(message, String(e), "error");
  } finally {
    setBusy(false);
  }
}

function askDelete() {
  const confirm = editor.querySelector(".crm-confirm");
  confirm.querySelector(".crm-confirm-text").textContent = t("crm_confirm_delete", { name: editing.name || field("name").value });
  confirm.hidden = false;
  confirm.querySelector(".crm-keep").focus();
}

async function deleteContact() {
  const message = editor.querySelector(".crm-message");
  setBusy(true);
  try {
    await api.crmDelete(editing.contactId);
    editor.close();
    refreshList();
  } catch (e) {
    editor.querySelector(".crm-confirm").hidden = true;
    showMessage(message, String(e), "error");
  } finally {
    setBusy(false);
  }
}

// ---- Notes --------------------------------------------------------------------------------

async function loadNotes() {
  const list = editor.querySelector(".crm-note-list");
  const message = editor.querySelector(".crm-notes-message");
  try {
    const notes = await api.crmNotes(editing.contactId);
    showMessage(message, "");
    list.replaceChildren(...(notes.length ? notes.map(noteItem) : [el("li", { class: "empty muted", text: t("crm_no_notes") })]));
  } catch (e) {
    showMessage(message, String(e), "error");
  }
}

function noteMeta(note) {
  return [note.author || t("crm_unknown_author"), note.at ? formatWhen(note.at) : ""].filter(Boolean).join(" · ");
}

function noteItem(note) {
  const li = el("li", { class: "crm-note" });
  li.dataset.noteId = note.id;
  const text = el("div", { class: "crm-note-text", text: note.text });
  const meta = el("div", { class: "crm-note-meta muted small", text: noteMeta(note) });
  const actions = el("span", { class: "crm-note-actions" });
  actions.append(
    button(t("crm_edit_note"), "link crm-note-edit", () => editNote(li, note)),
    button(t("crm_delete_note"), "link danger crm-note-delete", () => confirmNoteDelete(li, note)),
  );
  const body = el("div", { class: "grow" });
  body.append(text, meta);
  li.append(body, actions);
  return li;
}

function editNote(li, note) {
  const area = el("textarea", { class: "crm-note-editing" });
  area.rows = 3;
  area.value = note.text;
  const row = el("div", { class: "crm-note-edit-buttons" });
  const message = editor.querySelector(".crm-notes-message");
  row.append(
    button(t("crm_cancel"), "crm-note-cancel", () => li.replaceWith(noteItem(note))),
    button(t("crm_save"), "primary crm-note-save", async (event) => {
      const text = area.value.trim();
      if (!text) return;
      event.target.disabled = true;
      try {
        await api.crmUpdateNote(editing.contactId, note.id, text);
        showMessage(message, "");
        loadNotes();
      } catch (e) {
        event.target.disabled = false;
        showMessage(message, String(e), "error");
      }
    }),
  );
  const body = el("div", { class: "grow" });
  body.append(area, row);
  li.replaceChildren(body);
  area.focus();
}

function confirmNoteDelete(li, note) {
  const actions = li.querySelector(".crm-note-actions");
  const message = editor.querySelector(".crm-notes-message");
  actions.replaceChildren(
    el("span", { class: "small", text: t("crm_confirm_note") }),
    button(t("crm_really_delete"), "danger crm-note-really-delete", async () => {
      try {
        await api.crmDeleteNote(editing.contactId, note.id);
        showMessage(message, "");
        loadNotes();
      } catch (e) {
        showMessage(message, String(e), "error");
      }
    }),
    button(t("crm_keep"), "crm-note-keep", () => li.replaceWith(noteItem(note))),
  );
}

async function addNote() {
  const area = editor.querySelector(".crm-note-new textarea");
  const add = editor.querySelector(".crm-add-note");
  const message = editor.querySelector(".crm-notes-message");
  const text = area.value.trim();
  if (!text) { area.focus(); return; }
  add.disabled = true;
  try {
    await api.crmAddNote(editing.contactId, text);
    area.value = "";
    showMessage(message, "");
    loadNotes();
  } catch (e) {
    showMessage(message, String(e), "error");
  } finally {
    add.disabled = false;
  }
}

// ---- Upload -------------------------------------------------------------------------------

let uploader = null;

const UPLOAD_HTML = `
  <div class="crm-head"><h2 data-t="crm_upload_title"></h2></div>
  <p class="crm-upload-intro small" data-t="crm_upload_intro"></p>
  <label class="crm-all-row"><input type="checkbox" class="crm-all" checked> <span class="crm-all-label"></span></label>
  <ul class="crm-candidates"></ul>
  <label class="crm-merge-row"><input type="checkbox" class="crm-merge" checked> <span data-t="crm_merge"></span></label>
  <p class="crm-merge-hint muted small" data-t="crm_merge_hint"></p>
  <p class="crm-message" hidden></p>
  <div class="crm-report" hidden></div>
  <div class="crm-buttons"><span class="grow"></span>
    <button type="button" class="crm-upload-close" data-t="crm_close"></button>
    <button type="button" class="primary crm-upload-go"></button></div>`;

function uploadDialog() {
  if (uploader) return uploader;
  uploader = el("dialog", { class: "crm-dialog crm-uploader" });
  uploader.id = "crm-upload";
  uploader.innerHTML = UPLOAD_HTML;
  translate(uploader);
  uploader.querySelector(".crm-upload-close").addEventListener("click", () => uploader.close());
  uploader.querySelector(".crm-all").addEventListener("change", (event) => {
    for (const box of uploader.querySelectorAll(".crm-candidates input")) box.checked = event.target.checked;
    showPicked();
  });
  uploader.querySelector(".crm-upload-go").addEventListener("click", upload);
  document.body.append(uploader);
  return uploader;
}

function picked() {
  return [...uploader.querySelectorAll(".crm-candidates input:checked")].map((box) => Number(box.dataset.contactId));
}

function showPicked() {
  const n = picked().length;
  const go = uploader.querySelector(".crm-upload-go");
  go.textContent = t("crm_upload_go", { n });
  go.disabled = n === 0;
}

/** Opens "Upload to CRM…" with the directory contacts not in the CRM yet; `preselected`
 *  (directory ids), when given, are the only ones ticked. */
export async function openCrmUpload(preselected = null) {
  const dialog = uploadDialog();
  const list = dialog.querySelector(".crm-candidates");
  const message = dialog.querySelector(".crm-message");
  dialog.querySelector(".crm-report").hidden = true;
  list.replaceChildren();
  showMessage(message, t("crm_loading"), "info");
  if (!dialog.open) dialog.showModal();
  let candidates = [];
  try {
    candidates = await api.crmUploadCandidates();
    showMessage(message, candidates.length ? "" : t("crm_upload_none"), "info");
  } catch (e) {
    showMessage(message, String(e), "error");
  }
  const wanted = preselected ? new Set(preselected) : null;
  list.replaceChildren(...candidates.map((c) => {
    const li = el("li");
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.dataset.contactId = c.id;
    box.checked = wanted ? wanted.has(c.id) : true;
    box.addEventListener("change", showPicked);
    const sub = [c.company, c.numbers[0]?.display].filter(Boolean).join(" · ");
    label.append(box, el("span", { class: "title", text: c.name }), el("span", { class: "muted small", text: sub }));
    li.append(label);
    return li;
  }));
  dialog.querySelector(".crm-all-label").textContent = t("crm_all", { n: candidates.length });
  dialog.querySelector(".crm-all-row").hidden = candidates.length === 0;
  dialog.querySelector(".crm-all").checked = !wanted;
  showPicked();
}

async function upload() {
  const go = uploader.querySelector(".crm-upload-go");
  const message = uploader.querySelector(".crm-message");
  const report = uploader.querySelector(".crm-report");
  const ids = picked();
  go.disabled = true;
  showMessage(message, t("crm_uploading"), "info");
  try {
    const outcome = await api.crmUpload(ids, uploader.querySelector(".crm-merge").checked);
    showMessage(message, "");
    const lines = [t("crm_upload_report", { succeeded: outcome.succeeded, failed: outcome.failed })];
    if (outcome.linked) lines.push(t("crm_upload_linked", { n: outcome.linked }));
    for (const skip of outcome.skipped) lines.push(t("crm_upload_skipped", { name: skip.name, reason: skip.reason }));
    report.replaceChildren(...lines.map((line, i) => el("div", { class: i === 0 ? "crm-report-summary" : "small", text: line })));
    report.hidden = false;
    // Sent: ticked off and locked, so they cannot go twice.
    for (const id of ids) {
      const box = uploader.querySelector(`.crm-candidates input[data-contact-id="${id}"]`);
      if (!box) continue;
      box.checked = false;
      box.disabled = true;
      box.closest("li").classList.add("done");
    }
    uploader.querySelector(".crm-all").checked = false;
    refreshList();
  } catch (e) {
    // The picks stay as they are: upload again once the PBX answers.
    showMessage(message, String(e), "error");
  } finally {
    showPicked();
  }
}

// ---- What the contact list shows ----------------------------------------------------------

// Buttons for one contact row (the contact as `contacts_page` returns it); none when the
// account's CRM cannot be edited.
export function crmRowActions(contact) {
  if (offered === false) return [];
  const edit = button("✎", "crm-row-edit", () => openCrmEditor(contact.id));
  edit.title = t("crm_edit_hint");
  edit.setAttribute("aria-label", t("crm_edit"));
  if (offered === null) {
    edit.hidden = true;
    waiting.push(edit);
  }
  return [edit];
}

// Buttons for the contact list's toolbar: "New CRM contact" and "Upload to CRM…".
export function crmToolbar() {
  const create = button(t("crm_new"), "link crm-toolbar crm-new", () => openCrmEditor(null));
  const upload = button(t("crm_upload"), "link crm-toolbar crm-upload", () => openCrmUpload());
  showToolbarButton(create);
  showToolbarButton(upload);
  return [create, upload];
}
