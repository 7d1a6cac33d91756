// The one way the windows translate: `t(key, vars)` for a text made in code, `translate(root)`
// for markup that names its text (`data-t="key"`). Texts in Russian and English; each window's
// module adds its own with `addTexts`; the language is the app's (asked once at load).
import { uiLocale } from "./api.js";

const TEXTS = {
  en: {
    ringing_in: "Incoming call", ringing_out: "Calling", ringing_internal: "Internal call",
    answered: "On the call", on_hold: "On hold", hang_up: "Hang up", sync_contacts: "Sync from the CRM", synced: "Contacts synced: {report}", answered_by: "Answered by {name}", ended: "Call ended · {duration}",
    missed: "Missed call", cancelled: "Caller hung up", transferred: "Transferred",
    unknown: "Unknown number", new_number: "Not in your contacts",
    responsible: "Responsible", open_crm: "Open in CRM", create_contact: "Create contact", copy: "Copy", copied: "Copied",
    close: "Close", recent: "Earlier", from_pbx: "name from the PBX",
    s_ringing: "rang", s_answered: "talking", s_ended: "answered", s_missed: "missed",
    s_cancelled: "hung up", s_transferred: "transferred",
    o_answered: "answered", o_missed: "missed", o_no_answer: "no answer", o_busy: "busy", o_failed: "did not go through",
    o_cancelled: "hung up", rang: "rang {exts}", by: "answered by {ext}",
    status_starting: "Connecting…", status_online: "Online", status_error: "Offline",
    demo: "Demo: simulated calls every 20 seconds", me: "Me", account: "Account", settings: "Settings",
    search: "Search contacts by name, company or number", recent_calls: "Recent calls",
    contacts: "Contacts", no_calls: "No calls yet.", no_contacts: "Nothing found.", call: "Call",
    dir_in: "in", dir_out: "out", dir_internal: "internal",
    dnd: "Do not disturb", group_calls: "Department calls", pick_me: "Who am I?", history: "Calls",
    f_all: "All", f_incoming: "Incoming", f_outgoing: "Outgoing", f_missed: "Missed", f_not_called_back: "To call back", f_not_reached: "Not reached",
    no_calls_here: "No such calls.", call_back: "Call back", play_recording: "Play the recording",
    load_from_pbx: "Load from the PBX", loaded_calls: "Loaded {n} calls from the PBX.", calling_now: "Calling: your phone rings first.",
    autodialer: "Autodialer…", autodialer_hint: "Pick contacts and send them to a robot campaign", selected: "Selected: {n}",
    campaign: "Campaign", window: "Dial between", attempts: "Attempts", send_to_campaign: "Send to campaign", send_anyway: "Send anyway",
    robot_call: "Robot call now", robot_calling: "Robot call started ({job}).", skipped_no_number: "Left out (no number): {n}",
    not_offered: "{provider} does not offer this: {action}", calling_number: "Calling {number}: your phone rings first.",
  },
  ru: {
    ringing_in: "Входящий звонок", ringing_out: "Исходящий звонок", ringing_internal: "Внутренний звонок",
    answered: "Идёт разговор", on_hold: "На удержании", hang_up: "Завершить", sync_contacts: "Синхронизировать с CRM", synced: "Контакты синхронизированы: {report}", answered_by: "Ответил(а) {name}", ended: "Звонок завершён · {duration}",
    missed: "Пропущенный звонок", cancelled: "Абонент положил трубку", transferred: "Переведён",
    unknown: "Неизвестный номер", new_number: "Нет в контактах",
    responsible: "Ответственный", open_crm: "Открыть в CRM", create_contact: "Создать контакт", copy: "Копировать", copied: "Скопировано",
    close: "Закрыть", recent: "Ранее", from_pbx: "имя из АТС",
    s_ringing: "звонил", s_answered: "разговор", s_ended: "отвечен", s_missed: "пропущен",
    s_cancelled: "сбросил", s_transferred: "переведён",
    o_answered: "отвечен", o_missed: "пропущен", o_no_answer: "не ответили", o_busy: "занято", o_failed: "не прошёл",
    o_cancelled: "сбросил", rang: "звонил {exts}", by: "ответил {ext}",
    status_starting: "Подключение…", status_online: "На связи", status_error: "Нет связи",
    demo: "Демо: учебные звонки каждые 20 секунд", me: "Я", account: "Аккаунт", settings: "Настройки",
    search: "Поиск по имени, компании или номеру", recent_calls: "Последние звонки",
    contacts: "Контакты", no_calls: "Звонков пока нет.", no_contacts: "Ничего не найдено.", call: "Позвонить",
    dir_in: "вход.", dir_out: "исх.", dir_internal: "внутр.",
    dnd: "Не беспокоить", group_calls: "Звонки отделов", pick_me: "Кто я?", history: "Звонки",
    f_all: "Все", f_incoming: "Входящие", f_outgoing: "Исходящие", f_missed: "Пропущенные", f_not_called_back: "Перезвонить", f_not_reached: "Не дозвонились",
    no_calls_here: "Таких звонков нет.", call_back: "Перезвонить", play_recording: "Слушать запись",
    load_from_pbx: "Загрузить из АТС", loaded_calls: "Загружено звонков из АТС: {n}.", calling_now: "Звоним: сначала зазвонит ваш телефон.",
    autodialer: "Автообзвон…", autodialer_hint: "Выберите контакты и отправьте их в кампанию робота", selected: "Выбрано: {n}",
    campaign: "Кампания", window: "Звонить с – по", attempts: "Попыток", send_to_campaign: "Отправить в кампанию", send_anyway: "Всё равно отправить",
    robot_call: "Звонок робота сейчас", robot_calling: "Робот звонит ({job}).", skipped_no_number: "Пропущено (нет номера): {n}",
    not_offered: "{provider} этого не умеет: {action}", calling_number: "Звоним на {number}: сначала зазвонит ваш телефон.",
  },
};

let lang = "en";

// Each window's module brings its own texts: `addTexts({ en: {...}, ru: {...} })`.
export function addTexts(more) {
  for (const [language, texts] of Object.entries(more)) {
    Object.assign(TEXTS[language], texts);
  }
}

export async function initLanguage() {
  try {
    const locale = await uiLocale();
    lang = String(locale).toLowerCase().startsWith("ru") ? "ru" : "en";
  } catch (_) {
    lang = navigator.language.startsWith("ru") ? "ru" : "en";
  }
  document.documentElement.lang = lang;
  return lang;
}

export function t(key, vars = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");
}

/** Fills every `[data-t]` element under `root` with its text. */
export function translate(root) {
  for (const node of root.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

export function formatWhen(iso) {
  const d = new Date(iso);
  const locale = lang === "ru" ? "ru-RU" : "en-GB";
  return d.toLocaleString(locale, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}
