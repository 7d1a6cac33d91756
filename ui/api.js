// The UI's contract with the app, in one place: one function per Tauri command (the app's
// `#[tauri::command]`s, registered in src-tauri/src/main.rs) and one per event the app sends.
// No other file calls `invoke` or `listen`, so a renamed command or argument is changed here
// and the typedefs say what each answer holds.
//
// Every command fails the same way: with a `CommandError` (src-tauri/src/command_error.rs)
// whose `message` is already in the user's language and whose `kind` the windows can branch on.

const tauri = window.__TAURI__;

/**
 * What a failed command says. `String(error)` is its message, so it can be shown as it is.
 * @typedef {"invalid" | "not_ready" | "pbx" | "not_offered" | "autodialer" | "keyring"
 *   | "config_file" | "directory" | "desktop" | "internal"} ErrorKind
 */
export class CommandError {
  /** @param {{ kind?: ErrorKind, message?: string, field?: string } | string} raw */
  constructor(raw) {
    const known = raw && typeof raw === "object";
    /** @type {ErrorKind} */
    this.kind = (known && raw.kind) || "internal";
    /** @type {string} In the user's language. */
    this.message = known ? String(raw.message ?? "") : String(raw);
    /** @type {string | undefined} The form field at fault (`domain`, `key`...), when one is. */
    this.field = (known && raw.field) || undefined;
  }

  toString() {
    return this.message;
  }
}

/** Runs `command`; a failure comes back as a `CommandError`. */
async function call(command, args, options) {
  try {
    return await tauri.core.invoke(command, args, options);
  } catch (raw) {
    throw new CommandError(raw);
  }
}

/** Calls `handler` with each `event`'s payload; resolves to a function that stops listening. */
function on(event, handler) {
  return tauri.event.listen(event, (e) => handler(e.payload));
}

// ---------------------------------------------------------------- typedefs

/**
 * @typedef {{ state: "starting" | "online" | "error", demo: boolean, account?: string,
 *   user?: string, error?: string }} Status
 * @typedef {{ id: string, name: string, on: boolean }} GroupToggle
 * @typedef {{ dnd?: boolean | null, dnd_unavailable?: string, groups: GroupToggle[],
 *   groups_unavailable?: string, error?: string }} Presence
 * @typedef {{ call_id: string, state: string, direction: string, customer?: string,
 *   customer_display?: string, contact?: object, contact_source?: string, employee?: string,
 *   employee_name?: string, on_hold?: boolean, started_at: string, answered_at?: string,
 *   ended_at?: string, recent: object[], new_contact_url?: string }} CallView
 * @typedef {{ provider: string, offers: Object<string, boolean> }} CapabilitiesView
 * @typedef {{ user: string, name: string, ext?: string, me?: boolean }} Employee
 * @typedef {{ employees: Employee[] | null }} ConnectionProof
 * @typedef {{ value: string, label: string }} ChoiceView
 * @typedef {{ name: string, label: string, hint?: string, placeholder: string,
 *   required: boolean, choices?: ChoiceView[] }} FieldView
 * @typedef {{ kind: string, label: string, summary: string, key_label: string,
 *   user_hint: string, fields: FieldView[] }} ProviderView
 * @typedef {{ provider: string, domain?: string, base_url?: string, user?: string,
 *   login?: string, dial_context?: string, asterisk_interface?: string, dnd_via?: string }} AccountDraft
 * @typedef {object} SettingsView See `SettingsView` in src-tauri/src/settings.rs.
 * @typedef {{ total: number, rows: object[] }} ContactsPage
 * @typedef {{ done: number, total: number }} ImportProgress
 * @typedef {{ number: string, error?: string }} DialNotice
 */

// ---------------------------------------------------------------- the app and the calls

/** @returns {Promise<"ru" | "en">} The UI's language. */
export const uiLocale = () => call("ui_locale");
/** @returns {Promise<Status>} */
export const status = () => call("status");
/** @returns {Promise<CallView[]>} The calls on the card now. */
export const currentCalls = () => call("current_calls");
export const closeCard = (callId) => call("close_card", { callId });
export const openUrl = (url) => call("open_url", { url });
/** Click-to-call: the PBX rings my phone, then `number`. */
export const callNumber = (number) => call("call_number", { number });
export const hangUp = (callId) => call("hang_up", { callId });
/** @returns {Promise<object[]>} The contact's last CRM notes for the card of `callId`. */
export const cardNotes = (callId) => call("card_notes", { callId });
/** @returns {Promise<object[]>} The latest calls `filter` keeps. */
export const callHistory = (filter) => call("call_history", { filter });
/** @returns {Promise<number>} How many calls were loaded. */
export const syncHistory = () => call("sync_history");
/** @returns {Promise<string>} A `data:` URL for the audio player. */
export const recordingData = (provider, callId) => call("recording_data", { provider, callId });
/** @returns {Promise<CapabilitiesView | null>} */
export const capabilities = () => call("capabilities");
/** @returns {Promise<Presence>} */
export const presence = () => call("presence");
/** @returns {Promise<Presence>} */
export const refreshPresence = () => call("refresh_presence");
/** @returns {Promise<Presence>} */
export const setDnd = (on) => call("set_dnd", { on });
/** @returns {Promise<Presence>} */
export const setGroupSubscription = (group, on) => call("set_group_subscription", { group, on });
/** @returns {Promise<Employee[]>} */
export const employees = () => call("employees");
export const setMe = (user) => call("set_me", { user });
export const hotkeyStatus = () => call("hotkey_status");

// ---------------------------------------------------------------- contacts and the Autodialer

/** @returns {Promise<string>} A one-line report. */
export const syncContacts = () => call("sync_contacts");
export const searchContacts = (query) => call("search_contacts", { query });
/** @returns {Promise<ContactsPage>} */
export const contactsPage = (query, offset, limit) => call("contacts_page", { query, offset, limit });
/** Sends the file's bytes as the raw body; its name goes in a header. */
export const importContacts = (bytes, fileName) =>
  call("import_contacts", bytes, { headers: { "X-File-Name": encodeURIComponent(fileName) } });
export const autodialerStatus = () => call("autodialer_status");
export const autodialSend = (request) => call("autodial_send", { request });
/** @returns {Promise<string>} The robot call's job. */
export const autodialCall = (contactId) => call("autodial_call", { contactId });

// ---------------------------------------------------------------- the CRM editor

export const crmContact = (contactId) => call("crm_contact", { contactId });
export const crmEmployees = () => call("crm_employees");
export const crmCreate = (draft, link) => call("crm_create", { draft, link });
export const crmUpdate = (contactId, draft) => call("crm_update", { contactId, draft });
export const crmDelete = (contactId) => call("crm_delete", { contactId });
export const crmUploadCandidates = () => call("crm_upload_candidates");
export const crmUpload = (contactIds, merge) => call("crm_upload", { contactIds, merge });
export const crmNotes = (contactId) => call("crm_notes", { contactId });
export const crmAddNote = (contactId, text) => call("crm_add_note", { contactId, text });
export const crmUpdateNote = (contactId, noteId, text) => call("crm_update_note", { contactId, noteId, text });
export const crmDeleteNote = (contactId, noteId) => call("crm_delete_note", { contactId, noteId });

// ---------------------------------------------------------------- settings and the wizard

/** @returns {Promise<SettingsView>} */
export const settingsView = () => call("settings_view");
/** @returns {Promise<ProviderView[]>} The providers offered, in the window's language. */
export const providers = () => call("providers");
export const openSettings = () => call("open_settings");
export const closeSettings = (openMain) => call("close_settings", { openMain });
/**
 * @param {AccountDraft} draft
 * @returns {Promise<ConnectionProof>}
 */
export const testConnection = (draft, key, replaces) => call("test_connection", { draft, key, replaces });
/**
 * @param {AccountDraft} draft
 * @returns {Promise<SettingsView>}
 */
export const saveAccount = (draft, key, replaces, active) => call("save_account", { draft, key, replaces, active });
/** @returns {Promise<SettingsView>} */
export const useAccount = (id) => call("use_account", { id });
/** @returns {Promise<SettingsView>} */
export const removeAccount = (id) => call("remove_account", { id });
/** @returns {Promise<SettingsView>} */
export const saveRelay = (url, token) => call("save_relay", { url, token });
export const setLanguage = (language) => call("set_language", { language });
/** @returns {Promise<SettingsView>} */
export const saveDesktop = (missedCallNotifications, hotkey) => call("save_desktop", { missedCallNotifications, hotkey });
/** @returns {Promise<boolean>} Whether Callpop starts at login now. */
export const setAutostart = (on) => call("set_autostart", { on });
/** @returns {Promise<boolean>} Whether Callpop opens phone links now. */
export const setLinksHandler = (on) => call("set_links_handler", { on });

// ---------------------------------------------------------------- events

/** @param {(status: Status) => void} handler */
export const onStatus = (handler) => on("status", handler);
/** @param {(presence: Presence) => void} handler */
export const onPresence = (handler) => on("presence", handler);
/** @param {(view: CallView) => void} handler */
export const onCallUpdate = (handler) => on("call-update", handler);
/** @param {(callId: string) => void} handler */
export const onCallRemoved = (handler) => on("call-removed", handler);
/** A `tel:` link or the hotkey dialled, or could not. @param {(notice: DialNotice) => void} handler */
export const onDial = (handler) => on("dial", handler);
/** @param {(progress: ImportProgress) => void} handler */
export const onImportProgress = (handler) => on("import-progress", handler);
