// The settings window and, on the first run (`#wizard`), the set-up wizard: provider →
// connection (tested against the PBX) → "me" → relay → done. Keys go to the OS keyring only
// (the app stores them); this page keeps a typed key just until it is saved.
import { initLanguage, t, addTexts } from "./i18n.js";

const { invoke } = window.__TAURI__.core;

addTexts({
  en: {
    settings_title: "Settings", wizard_title: "Set up Callpop",
    st_provider: "Provider", st_connection: "Connection", st_me: "Me", st_relay: "Relay", st_done: "Done",
    try_demo: "Try the demo first", demo_waits: "The demo's calls wait while this window is open.", back: "Back", next: "Next", skip: "Skip", save_connect: "Save and connect",
    wz_provider_lead: "Which PBX does your company use?",
    wz_connection_lead: "Where is your PBX, and the key for its API. Test the connection to go on.",
    wz_me_lead: "Whose calls should pop up? Pick yourself.",
    wz_relay_lead: "Optional. Cloud PBXs that push their calls as webhooks need a relay with a public address; your administrator gives you its address and a token for this computer.",
    wz_done_lead: "All set. Callpop saves this and connects:",
    p_vega: "Vega PBX", p_cloudpbx: "Cloud PBX (CRM API)", p_telediscount: "Telediscount", p_mcn: "MCN Telecom", p_asterisk: "Asterisk / FreePBX",
    d_vega: "Calls by polling or webhooks, employees, history, CRM Teler.",
    d_cloudpbx: "Calls through the relay, employees, DND and departments.",
    d_telediscount: "Calls through the relay; history and click-to-call.",
    d_mcn: "Missed calls by polling, live calls through the relay.",
    d_asterisk: "Your own PBX over AMI or ARI: calls, endpoints, DND.",
    f_domain: "Domain", f_base_url: "API address", f_login: "User", f_dial_context: "Dial context",
    f_asterisk_interface: "Interface", f_dnd_via: "Do-not-disturb kept in", f_user: "Me",
    f_telediscount_domain: "Account name", f_mcn_domain: "Account number", f_asterisk_domain: "PBX host",
    f_cloudpbx_domain: "PBX domain",
    h_vega_domain: "Your account's address at Vega, e.g. test4.pbx.vega.ua",
    h_cloudpbx_domain: "The PBX's address, e.g. company.cloudpbx.ru",
    h_telediscount_domain: "Any name for this account; the API is at my.telediscount.ru",
    h_mcn_domain: "The personal account number, or ACCOUNT/VPBX_ID",
    h_asterisk_domain: "Host name or IP address of the Asterisk server",
    h_base_url: "Only when the API is not at the usual address (a proxy, a test server)",
    h_asterisk_base_url: "AMI: tcp://HOST:5038 · ARI: http://HOST:8088 (optional)",
    h_login: "The manager.conf (AMI) or ari.conf (ARI) user",
    h_dial_context: "Where click-to-call dials from; FreePBX: from-internal (default: internal)",
    i_ami: "AMI (manager interface)", i_ari: "ARI (REST interface)",
    dnd_presence: "Presence state (default)", dnd_astdb: "AstDB DND/EXT (FreePBX)",
    k_vega: "API key", k_cloudpbx: "CRM API key", k_telediscount: "CRM integration key", k_mcn: "API token", k_asterisk: "Password (secret)",
    h_key: "Kept only in the OS keyring, never in a file.", key_keep: "Stored — leave empty to keep it",
    test_connection: "Test connection", testing: "Testing…",
    test_ok_list: "Connected. The PBX lists {n} employees.", test_ok: "Connected: the PBX accepted the key.",
    test_failed: "Cannot connect: {error}",
    pick_me: "Choose yourself…", h_user: "Your extension or login at the PBX",
    h_user_telediscount: "Your SIP account, e.g. SIP/0000000672", h_user_mcn: "Your extension, e.g. 101",
    h_user_list: "Only your calls pop up; click-to-call rings your phone.",
    relay_url: "Relay address", relay_token: "Token for this computer", h_relay_url: "wss://relay.example.com/ws",
    token_keep: "Stored — leave empty to keep it",
    s_accounts: "Accounts", s_relay: "Relay", s_language: "Language", s_desktop: "Desktop", s_autostart: "Start at login", s_general: "General",
    active: "Active", use_this: "Use this one", edit: "Edit", remove: "Remove", really_remove: "Really remove?",
    add_account: "Add account", save: "Save", cancel: "Cancel", saved: "Saved.", make_active: "Use this account now",
    key_stored: "key stored", key_missing: "no key stored", me_is: "me: {user}", me_unset: "me: not chosen",
    no_accounts: "No account yet: Callpop runs its demo.", edit_account: "Edit account", new_account: "New account",
    relay_hint: "Leave the address empty to poll the PBX directly.", relay_saved: "Saved. Reconnecting through the relay…", relay_removed: "Relay removed.",
    lang_system: "System", lang_ru: "Русский", lang_en: "English",
    notify_missed: "Notify me of missed calls", hotkey_on: "Hotkey that calls the number in the clipboard",
    h_hotkey: "Keys joined by +; empty: {hotkey}", autostart_on: "Start Callpop when I log in",
    s_links: "Phone links", links_on: "Open tel: and callto: links with Callpop (it calls the number)",
    autostart_unavailable: "Not available here: {error}", config_file: "Config file: {path}",
    switched: "Switched. Connecting to {account}…",
    c_required: "Fill this in.", c_no_spaces: "No spaces here.", c_host_only: "Only the host name, without a path.",
    c_not_a_web_address: "Starts with https:// or http://.", c_not_a_tcp_address: "Looks like tcp://HOST:5038.",
    c_choose_provider: "Choose a provider.", c_choose_one: "Choose one of the options.", c_key_required: "Enter the key.",
    c_duplicate_account: "This account is set up already: edit that one.", c_not_a_websocket_address: "Starts with wss:// or ws://.",
    c_relay_needs_account: "Set up an account first.", c_token_required: "Enter the token.", c_not_a_hotkey: "Keys joined by +, like CommandOrControl+Alt+C.",
  },
  ru: {
    settings_title: "Настройки", wizard_title: "Настройка Callpop",
    st_provider: "АТС", st_connection: "Подключение", st_me: "Я", st_relay: "Ретранслятор", st_done: "Готово",
    try_demo: "Сначала попробовать демо", demo_waits: "Демо-звонки ждут, пока открыто это окно.", back: "Назад", next: "Далее", skip: "Пропустить", save_connect: "Сохранить и подключить",
    wz_provider_lead: "Какая АТС у вашей компании?",
    wz_connection_lead: "Где ваша АТС и ключ её API. Проверьте подключение, чтобы продолжить.",
    wz_me_lead: "Чьи звонки показывать? Выберите себя.",
    wz_relay_lead: "Необязательно. Облачным АТС, которые присылают звонки вебхуками, нужен ретранслятор с публичным адресом; администратор даст его адрес и токен для этого компьютера.",
    wz_done_lead: "Всё готово. Callpop сохранит это и подключится:",
    p_vega: "Vega PBX", p_cloudpbx: "Облачная АТС (CRM API)", p_telediscount: "Теледисконт", p_mcn: "МСН Телеком", p_asterisk: "Asterisk / FreePBX",
    d_vega: "Звонки опросом или вебхуками, сотрудники, история, CRM Teler.",
    d_cloudpbx: "Звонки через ретранслятор, сотрудники, «Не беспокоить» и отделы.",
    d_telediscount: "Звонки через ретранслятор; история и звонок в один клик.",
    d_mcn: "Пропущенные опросом, текущие звонки через ретранслятор.",
    d_asterisk: "Своя АТС по AMI или ARI: звонки, абоненты, «Не беспокоить».",
    f_domain: "Домен", f_base_url: "Адрес API", f_login: "Пользователь", f_dial_context: "Контекст набора",
    f_asterisk_interface: "Интерфейс", f_dnd_via: "Где хранится «Не беспокоить»", f_user: "Я",
    f_telediscount_domain: "Название аккаунта", f_mcn_domain: "Номер лицевого счёта", f_asterisk_domain: "Адрес АТС",
    f_cloudpbx_domain: "Домен АТС",
    h_vega_domain: "Адрес вашего аккаунта в Vega, например test4.pbx.vega.ua",
    h_cloudpbx_domain: "Адрес АТС, например company.cloudpbx.ru",
    h_telediscount_domain: "Любое название; API находится на my.telediscount.ru",
    h_mcn_domain: "Номер лицевого счёта или СЧЁТ/VPBX_ID",
    h_asterisk_domain: "Имя или IP-адрес сервера Asterisk",
    h_base_url: "Только если API не по обычному адресу (прокси, тестовый сервер)",
    h_asterisk_base_url: "AMI: tcp://HOST:5038 · ARI: http://HOST:8088 (необязательно)",
    h_login: "Пользователь из manager.conf (AMI) или ari.conf (ARI)",
    h_dial_context: "Откуда набирается звонок в один клик; FreePBX: from-internal (по умолчанию internal)",
    i_ami: "AMI (интерфейс менеджера)", i_ari: "ARI (REST-интерфейс)",
    dnd_presence: "Состояние присутствия (по умолчанию)", dnd_astdb: "AstDB DND/EXT (FreePBX)",
    k_vega: "Ключ API", k_cloudpbx: "Ключ CRM API", k_telediscount: "Ключ интеграции с CRM", k_mcn: "Токен API", k_asterisk: "Пароль (secret)",
    h_key: "Хранится только в связке ключей ОС, никогда в файле.", key_keep: "Сохранён — оставьте пустым, чтобы не менять",
    test_connection: "Проверить подключение", testing: "Проверяем…",
    test_ok_list: "Подключено. В АТС сотрудников: {n}.", test_ok: "Подключено: АТС приняла ключ.",
    test_failed: "Не удалось подключиться: {error}",
    pick_me: "Выберите себя…", h_user: "Ваш внутренний номер или логин в АТС",
    h_user_telediscount: "Ваш SIP-аккаунт, например SIP/0000000672", h_user_mcn: "Ваш внутренний номер, например 101",
    h_user_list: "Показываются только ваши звонки; звонок в один клик звонит на ваш телефон.",
    relay_url: "Адрес ретранслятора", relay_token: "Токен этого компьютера", h_relay_url: "wss://relay.example.com/ws",
    token_keep: "Сохранён — оставьте пустым, чтобы не менять",
    s_accounts: "Аккаунты", s_relay: "Ретранслятор", s_language: "Язык", s_desktop: "Рабочий стол", s_autostart: "Запуск при входе", s_general: "Общие",
    active: "Активный", use_this: "Использовать", edit: "Изменить", remove: "Удалить", really_remove: "Точно удалить?",
    add_account: "Добавить аккаунт", save: "Сохранить", cancel: "Отмена", saved: "Сохранено.", make_active: "Сразу перейти на этот аккаунт",
    key_stored: "ключ сохранён", key_missing: "ключа нет", me_is: "я: {user}", me_unset: "я: не выбран",
    no_accounts: "Аккаунтов пока нет: Callpop работает в демо-режиме.", edit_account: "Изменить аккаунт", new_account: "Новый аккаунт",
    relay_hint: "Оставьте адрес пустым, чтобы опрашивать АТС напрямую.", relay_saved: "Сохранено. Подключаемся через ретранслятор…", relay_removed: "Ретранслятор убран.",
    lang_system: "Как в системе", lang_ru: "Русский", lang_en: "English",
    notify_missed: "Уведомлять о пропущенных звонках", hotkey_on: "Горячая клавиша: позвонить на номер из буфера обмена",
    h_hotkey: "Клавиши через +; пусто — {hotkey}", autostart_on: "Запускать Callpop при входе в систему",
    s_links: "Телефонные ссылки", links_on: "Открывать ссылки tel: и callto: в Callpop (он позвонит на номер)",
    autostart_unavailable: "Здесь недоступно: {error}", config_file: "Файл настроек: {path}",
    switched: "Переключено. Подключаемся к {account}…",
    c_required: "Заполните это поле.", c_no_spaces: "Без пробелов.", c_host_only: "Только имя хоста, без пути.",
    c_not_a_web_address: "Начинается с https:// или http://.", c_not_a_tcp_address: "Вида tcp://HOST:5038.",
    c_choose_provider: "Выберите АТС.", c_choose_one: "Выберите один из вариантов.", c_key_required: "Введите ключ.",
    c_duplicate_account: "Такой аккаунт уже есть: измените его.", c_not_a_websocket_address: "Начинается с wss:// или ws://.",
    c_relay_needs_account: "Сначала добавьте аккаунт.", c_token_required: "Введите токен.", c_not_a_hotkey: "Клавиши через +, например CommandOrControl+Alt+C.",
  },
});

const PROVIDERS = ["vega", "cloudpbx", "telediscount", "mcn", "asterisk"];
// The fields each provider needs (what `Account::connect` reads for it), in form order.
const FIELDS = {
  vega: ["domain", "base_url"],
  cloudpbx: ["domain", "base_url"],
  telediscount: ["domain", "base_url"],
  mcn: ["domain", "base_url"],
  asterisk: ["asterisk_interface", "domain", "base_url", "login", "dial_context", "dnd_via"],
};
const REQUIRED = new Set(["domain", "login"]);
const CHOICES = { asterisk_interface: ["ami", "ari"], dnd_via: ["presence", "astdb"] };
const CHOICE_TEXT = { asterisk_interface: (v) => t(`i_${v}`), dnd_via: (v) => t(`dnd_${v}`) };
const PLACEHOLDERS = {
  vega: { domain: "test4.pbx.vega.ua", base_url: "https://test4.pbx.vega.ua" },
  cloudpbx: { domain: "company.cloudpbx.ru" },
  telediscount: { domain: "my.telediscount.ru", base_url: "https://my.telediscount.ru" },
  mcn: { domain: "12345", base_url: "https://api.mcn.ru/v2/rest" },
  asterisk: { domain: "pbx.office.lan", base_url: "tcp://pbx.office.lan:5038", login: "callpop", dial_context: "from-internal" },
};

// `t(first)` when there is such a text, else `t(fallback)`.
function tOr(first, fallback) {
  const text = t(first);
  return text === first ? t(fallback) : text;
}

// The text of the first of `keys` there is one for; null when none.
function tFirst(...keys) {
  for (const key of keys) {
    const text = t(key);
    if (text !== key) return text;
  }
  return null;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
  return node;
}

function problemText(problem) {
  if (problem && problem.code) return tOr(`c_${problem.code}`, "c_required");
  return String(problem?.message ?? problem);
}

function showBanner(problem) {
  const banner = document.getElementById("problem");
  banner.hidden = !problem;
  banner.textContent = problem ? problemText(problem) : "";
}

// Puts a field's problem under it; a problem with no field goes to `fallback(text)`.
function showProblemIn(root, problem, fallback = showBanner) {
  root.querySelectorAll(".field.invalid").forEach((f) => f.classList.remove("invalid"));
  root.querySelectorAll(".field .why").forEach((w) => { w.textContent = ""; });
  const field = problem?.field && root.querySelector(`.field[data-field="${problem.field}"]`);
  if (field) {
    field.classList.add("invalid");
    field.querySelector(".why").textContent = problemText(problem);
    field.querySelector("input, select")?.focus();
  } else {
    fallback(problem);
  }
}

function field(name, label, control, hint) {
  return el("label", { class: "field", "data-field": name },
    el("span", { class: "label", text: label }), control,
    hint ? el("span", { class: "hint", text: hint }) : null,
    el("span", { class: "why" }));
}

// The connection part of the account form for `provider`: its fields, the key and "Test
// connection". `values`: what is filled in; `keyStored`: leaving the key empty keeps it.
function connectionForm(provider, values, { keyStored = false, replaces = null, onChange, onProof }) {
  const root = el("div", { class: "form" });
  const controls = {};
  for (const name of FIELDS[provider]) {
    let control;
    if (CHOICES[name]) {
      control = el("select", { id: `f-${name}` },
        CHOICES[name].map((v) => el("option", { value: v, text: CHOICE_TEXT[name](v) })));
      control.value = values[name] || CHOICES[name][0];
    } else {
      control = el("input", { id: `f-${name}`, type: "text", spellcheck: "false", autocomplete: "off",
        placeholder: PLACEHOLDERS[provider]?.[name] || "" });
      control.value = values[name] || "";
    }
    control.addEventListener("input", onChange);
    controls[name] = control;
    const label = tOr(`f_${provider}_${name}`, `f_${name}`) + (REQUIRED.has(name) ? " *" : "");
    root.append(field(name, label, control, tFirst(`h_${provider}_${name}`, `h_${name}`)));
  }
  const key = el("input", { id: "f-key", type: "password", autocomplete: "off",
    placeholder: keyStored ? t("key_keep") : "" });
  key.value = values.key || "";
  key.addEventListener("input", onChange);
  root.append(field("key", `${t(`k_${provider}`)}${keyStored ? "" : " *"}`, key, t("h_key")));

  const result = el("p", { id: "test-result", class: "test-result", hidden: true });
  const test = el("button", { id: "test-connection", type: "button", text: t("test_connection") });
  const draft = () => {
    const d = { provider };
    for (const [name, control] of Object.entries(controls)) d[name] = control.value;
    return d;
  };
  test.addEventListener("click", async () => {
    test.disabled = true;
    test.textContent = t("testing");
    result.hidden = true;
    showProblemIn(root, null, () => {});
    try {
      const proof = await invoke("test_connection", { draft: draft(), key: key.value || null, replaces });
      result.hidden = false;
      result.className = "test-result ok";
      result.textContent = proof.employees ? t("test_ok_list", { n: proof.employees.length }) : t("test_ok");
      onProof(proof);
    } catch (problem) {
      showProblemIn(root, problem, (p) => {
        result.hidden = false;
        result.className = "test-result error";
        result.textContent = t("test_failed", { error: problemText(p) });
      });
    } finally {
      test.disabled = false;
      test.textContent = t("test_connection");
    }
  });
  root.append(el("div", { class: "row" }, test), result);
  return { root, draft, key: () => key.value, values: () => ({ ...draft(), key: key.value }), result };
}

// "Me": a list to pick from where the PBX gave one, else a text field.
function meField(provider, employees, current) {
  let control;
  if (employees && employees.length) {
    control = el("select", { id: "f-user" },
      el("option", { value: "", text: t("pick_me") }),
      employees.map((e) => el("option", { value: e.user,
        text: e.ext && e.ext !== e.name ? `${e.name} (${e.ext})` : e.name })));
    control.value = employees.some((e) => e.user === current) ? current : "";
    return { root: field("user", t("f_user"), control, t("h_user_list")), control };
  }
  control = el("input", { id: "f-user", type: "text", spellcheck: "false", autocomplete: "off" });
  control.value = current || "";
  return { root: field("user", t("f_user"), control, tOr(`h_user_${provider}`, "h_user")), control };
}

// ---------------------------------------------------------------- the first-run wizard

const STEPS = ["provider", "connection", "me", "relay", "done"];
const wizard = { step: 0, provider: null, values: {}, proof: null, user: "", relayUrl: "", relayToken: "" };

function drawSteps() {
  const list = document.getElementById("steps");
  list.hidden = false;
  list.replaceChildren(...STEPS.map((name, i) =>
    el("li", { class: i === wizard.step ? "current" : i < wizard.step ? "past" : "" },
      el("span", { class: "num", text: String(i + 1) }), t(`st_${name}`))));
}

function drawWizard() {
  drawSteps();
  showBanner(null);
  const content = document.getElementById("content");
  content.className = "wizard";
  const next = document.getElementById("w-next");
  const back = document.getElementById("w-back");
  back.hidden = wizard.step === 0;
  next.textContent = t("next");
  next.disabled = false;
  const step = STEPS[wizard.step];
  document.body.dataset.step = step;
  const lead = el("p", { class: "lead", text: t(`wz_${step}_lead`) });

  if (step === "provider") {
    const cards = PROVIDERS.map((p) => el("label", { class: "choice" },
      el("input", { type: "radio", name: "provider", value: p, checked: wizard.provider === p,
        onchange: () => { wizard.provider = p; wizard.proof = null; next.disabled = false; } }),
      el("span", {}, el("strong", { text: t(`p_${p}`) }), el("span", { class: "hint", text: t(`d_${p}`) }))));
    content.replaceChildren(lead, el("div", { class: "choices" }, cards));
    next.disabled = !wizard.provider;
  } else if (step === "connection") {
    next.disabled = !wizard.proof;
    const form = connectionForm(wizard.provider, wizard.values, {
      onChange: () => { wizard.values = form.values(); wizard.proof = null; next.disabled = true; form.result.hidden = true; },
      onProof: (proof) => { wizard.values = form.values(); wizard.proof = proof; next.disabled = false; },
    });
    if (wizard.proof) {
      form.result.hidden = false;
      form.result.className = "test-result ok";
      form.result.textContent = wizard.proof.employees ? t("test_ok_list", { n: wizard.proof.employees.length }) : t("test_ok");
    }
    content.replaceChildren(lead, el("h2", { text: t(`p_${wizard.provider}`) }), form.root);
  } else if (step === "me") {
    const me = meField(wizard.provider, wizard.proof?.employees, wizard.user);
    const update = () => { wizard.user = me.control.value.trim(); next.disabled = !wizard.user; };
    me.control.addEventListener("input", update);
    me.control.addEventListener("change", update);
    content.replaceChildren(lead, el("div", { class: "form" }, me.root));
    update();
  } else if (step === "relay") {
    const url = el("input", { id: "relay-url", type: "text", spellcheck: "false", placeholder: t("h_relay_url") });
    const token = el("input", { id: "relay-token", type: "password", autocomplete: "off" });
    url.value = wizard.relayUrl;
    token.value = wizard.relayToken;
    const update = () => {
      wizard.relayUrl = url.value.trim();
      wizard.relayToken = token.value;
      next.textContent = wizard.relayUrl ? t("next") : t("skip");
    };
    url.addEventListener("input", update);
    token.addEventListener("input", update);
    content.replaceChildren(lead, el("div", { class: "form" },
      field("relay_url", t("relay_url"), url, null), field("relay_token", t("relay_token"), token, t("h_key"))));
    update();
  } else {
    const rows = [
      [t("st_provider"), t(`p_${wizard.provider}`)],
      [tOr(`f_${wizard.provider}_domain`, "f_domain"), wizard.values.domain || "—"],
      [t("f_user"), meName()],
      [t("st_relay"), wizard.relayUrl || "—"],
    ];
    content.replaceChildren(lead, el("dl", { class: "summary" },
      rows.map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])));
    next.textContent = t("save_connect");
  }
}

function meName() {
  const found = wizard.proof?.employees?.find((e) => e.user === wizard.user);
  return found ? `${found.name}${found.ext ? ` (${found.ext})` : ""}` : wizard.user;
}

async function wizardNext() {
  const step = STEPS[wizard.step];
  if (step === "relay" && wizard.relayUrl && !wizard.relayToken) {
    showProblemIn(document.getElementById("content"), { field: "relay_token", code: "token_required" });
    return;
  }
  if (step !== "done") {
    wizard.step += 1;
    drawWizard();
    return;
  }
  const next = document.getElementById("w-next");
  next.disabled = true;
  try {
    const { key, ...draft } = wizard.values;
    await invoke("save_account", { draft: { ...draft, user: wizard.user }, key, replaces: null, active: true });
    if (wizard.relayUrl) {
      try {
        await invoke("save_relay", { url: wizard.relayUrl, token: wizard.relayToken });
      } catch (problem) {
        wizard.step = STEPS.indexOf("relay");
        drawWizard();
        showProblemIn(document.getElementById("content"), problem);
        return;
      }
    }
    wizard.values = {};
    await invoke("close_settings", { openMain: true });
  } catch (problem) {
    showBanner(problem);
    next.disabled = false;
  }
}

function startWizard() {
  document.getElementById("heading").textContent = t("wizard_title");
  document.getElementById("wizard-footer").hidden = false;
  document.getElementById("w-demo").textContent = t("try_demo");
  document.getElementById("w-demo-waits").textContent = t("demo_waits");
  document.getElementById("w-back").textContent = t("back");
  document.getElementById("w-demo").addEventListener("click", () => invoke("close_settings", { openMain: true }));
  document.getElementById("w-back").addEventListener("click", () => { wizard.step = Math.max(0, wizard.step - 1); drawWizard(); });
  document.getElementById("w-next").addEventListener("click", wizardNext);
  drawWizard();
}

// ---------------------------------------------------------------- the settings window

let current = null; // the last SettingsView
// The settings' tabs: each shows its sections (by id); the window opens on the first.
const TABS = { accounts: ["accounts-section"], relay: ["relay"], general: ["language", "desktop", "links", "startup"] };
let tab = "accounts";

function drawTabs() {
  const nav = document.getElementById("tabs");
  nav.hidden = false;
  nav.replaceChildren(...Object.keys(TABS).map((name) => el("button", {
    id: `tab-${name}`, type: "button", role: "tab", class: name === tab ? "tab current" : "tab",
    text: t(`s_${name}`), onclick: () => { tab = name; drawTabs(); showTab(); },
  })));
}

function showTab() {
  for (const [name, ids] of Object.entries(TABS)) {
    for (const id of ids) {
      const node = document.getElementById(id);
      if (node) node.hidden = name !== tab;
    }
  }
}

function section(id, title, ...body) {
  return el("section", { id, class: "card" }, el("h2", { text: title }), ...body);
}

function note(target, text, kind = "ok") {
  target.textContent = text;
  target.className = `note ${kind}`;
  target.hidden = !text;
}

function accountRow(row) {
  const title = el("div", { class: "title" }, el("strong", { text: t(`p_${row.provider}`) }), ` ${row.domain}`);
  const sub = el("div", { class: "sub" },
    el("span", { text: row.user ? t("me_is", { user: row.user }) : t("me_unset") }), " · ",
    el("span", { class: row.key_stored ? "key ok" : "key missing", text: row.key_stored ? `✓ ${t("key_stored")}` : `⚠ ${t("key_missing")}` }));
  const actions = el("span", { class: "actions" });
  if (row.active) actions.append(el("span", { class: "badge active", text: t("active") }));
  else actions.append(el("button", { class: "use", type: "button", text: t("use_this"), onclick: () => act("use_account", { id: row.id }, t("switched", { account: `${row.provider} ${row.domain}` })) }));
  actions.append(el("button", { class: "edit", type: "button", text: t("edit"), onclick: () => openEditor(row) }));
  const remove = el("button", { class: "remove danger", type: "button", text: t("remove") });
  remove.addEventListener("click", () => {
    if (remove.dataset.armed) { act("remove_account", { id: row.id }); return; }
    remove.dataset.armed = "1";
    remove.textContent = t("really_remove");
    setTimeout(() => { delete remove.dataset.armed; remove.textContent = t("remove"); }, 5000);
  });
  actions.append(remove);
  return el("li", { "data-id": row.id, class: row.active ? "active" : "" }, el("div", { class: "grow" }, title, sub), actions);
}

async function act(command, args, message = "") {
  try {
    current = await invoke(command, args);
    drawSettings();
    note(document.getElementById("accounts-note"), message);
  } catch (problem) {
    note(document.getElementById("accounts-note"), problemText(problem), "error");
  }
}

// The account editor: `row` to edit one, none to add one.
function openEditor(row) {
  const holder = document.getElementById("account-editor");
  holder.hidden = false;
  document.getElementById("add-account").hidden = true;
  let provider = row?.provider || "vega";
  let values = row ? { ...row } : {};
  let proof = null;
  const replaces = row?.id ?? null;
  const providerSelect = el("select", { id: "f-provider" }, PROVIDERS.map((p) => el("option", { value: p, text: t(`p_${p}`) })));
  providerSelect.value = provider;
  const formHolder = el("div");
  const meHolder = el("div", { class: "form" });
  const active = el("input", { id: "make-active", type: "checkbox", checked: !row });
  const message = el("p", { class: "note", hidden: true });
  let form;
  let me;
  const drawMe = () => {
    me = meField(provider, proof?.employees, proof?.employees ? values.user : (me?.control.value ?? values.user));
    meHolder.replaceChildren(me.root);
  };
  const drawForm = () => {
    form = connectionForm(provider, values, {
      keyStored: Boolean(row?.key_stored && row.provider === provider),
      replaces,
      onChange: () => { values = { ...values, ...form.values() }; },
      onProof: (p) => { values = { ...values, ...form.values(), user: me?.control.value || values.user }; proof = p; drawMe(); },
    });
    formHolder.replaceChildren(form.root);
  };
  providerSelect.addEventListener("change", () => { values = { ...values, ...form.values() }; provider = providerSelect.value; proof = null; drawForm(); drawMe(); });
  drawForm();
  drawMe();
  const save = el("button", { id: "save-account", class: "primary", type: "button", text: t("save") });
  save.addEventListener("click", async () => {
    save.disabled = true;
    const { key, ...draft } = form.values();
    try {
      current = await invoke("save_account", { draft: { ...draft, user: me.control.value }, key: key || null, replaces, active: !row?.active && active.checked });
      holder.hidden = true;
      drawSettings();
      note(document.getElementById("accounts-note"), t("saved"));
    } catch (problem) {
      showProblemIn(holder, problem, (p) => note(message, problemText(p), "error"));
    } finally {
      save.disabled = false;
    }
  });
  const cancel = el("button", { type: "button", text: t("cancel"), onclick: () => { holder.hidden = true; document.getElementById("add-account").hidden = false; } });
  holder.replaceChildren(
    el("h3", { text: row ? t("edit_account") : t("new_account") }),
    el("div", { class: "form" }, field("provider", t("st_provider"), providerSelect, null)),
    formHolder, meHolder,
    row?.active ? null : el("label", { class: "check" }, active, t("make_active")),
    message,
    el("div", { class: "row" }, save, cancel));
  holder.scrollIntoView({ block: "nearest" });
}

function relaySection() {
  const url = el("input", { id: "relay-url", type: "text", spellcheck: "false", placeholder: t("h_relay_url") });
  url.value = current.relay?.url || "";
  const token = el("input", { id: "relay-token", type: "password", autocomplete: "off",
    placeholder: current.relay?.token_stored ? t("token_keep") : "" });
  const message = el("p", { class: "note", hidden: true });
  const body = el("div", { class: "form" },
    el("p", { class: "hint", text: t("wz_relay_lead") }),
    field("relay_url", t("relay_url"), url, t("relay_hint")),
    field("relay_token", t("relay_token"), token, t("h_key")));
  const save = el("button", { id: "save-relay", class: "primary", type: "button", text: t("save") });
  save.addEventListener("click", async () => {
    try {
      current = await invoke("save_relay", { url: url.value, token: token.value || null });
      token.value = "";
      token.placeholder = current.relay?.token_stored ? t("token_keep") : "";
      showProblemIn(body, null, () => {});
      note(message, current.relay ? t("relay_saved") : t("relay_removed"));
    } catch (problem) {
      showProblemIn(body, problem, (p) => note(message, problemText(p), "error"));
    }
  });
  return section("relay", t("s_relay"), body, message, el("div", { class: "row" }, save));
}

function languageSection() {
  const options = [["", "lang_system"], ["ru", "lang_ru"], ["en", "lang_en"]];
  const chips = options.map(([code, text]) => el("label", { class: "chip" },
    el("input", { type: "radio", name: "language", value: code, checked: (current.language || "") === code,
      // The app redraws every window in the new language, this one too.
      onchange: () => invoke("set_language", { language: code || null }).catch(showBanner) }),
    t(text)));
  return section("language", t("s_language"), el("div", { class: "chips" }, chips));
}

function desktopSection() {
  const desktop = current.desktop || {};
  const missed = el("input", { id: "notify-missed", type: "checkbox", checked: desktop.missed_call_notifications !== false });
  const hotkeyOn = el("input", { id: "hotkey-on", type: "checkbox", checked: desktop.call_clipboard_hotkey !== "" });
  const hotkey = el("input", { id: "hotkey", type: "text", spellcheck: "false", placeholder: current.default_hotkey });
  hotkey.value = desktop.call_clipboard_hotkey || "";
  hotkey.disabled = !hotkeyOn.checked;
  hotkeyOn.addEventListener("change", () => { hotkey.disabled = !hotkeyOn.checked; });
  const message = el("p", { class: "note", hidden: true });
  const body = el("div", { class: "form" },
    el("label", { class: "check" }, missed, t("notify_missed")),
    el("label", { class: "check" }, hotkeyOn, t("hotkey_on")),
    el("div", { class: "field indent", "data-field": "hotkey" }, hotkey,
      el("span", { class: "hint", text: t("h_hotkey", { hotkey: current.default_hotkey }) }),
      el("span", { class: "why", text: current.hotkey?.error || "" })));
  const save = el("button", { id: "save-desktop", class: "primary", type: "button", text: t("save") });
  save.addEventListener("click", async () => {
    const key = hotkeyOn.checked ? (hotkey.value.trim() || null) : "";
    try {
      current = await invoke("save_desktop", { missedCallNotifications: missed.checked, hotkey: key });
      showProblemIn(body, null, () => {});
      // Saved, but the desktop may refuse the hotkey (taken, Wayland): the app says why.
      const refused = current.hotkey?.error;
      body.querySelector(".field[data-field=hotkey] .why").textContent = refused || "";
      note(message, refused ? "" : t("saved"));
    } catch (problem) {
      showProblemIn(body, problem, (p) => note(message, problemText(p), "error"));
    }
  });
  return section("desktop", t("s_desktop"), body, message, el("div", { class: "row" }, save));
}

// A switch the app sets and answers for (`command` returns what is set now); `unavailable`:
// why it cannot be read here.
function switchSection(id, title, label, { input, on, unavailable, command }) {
  const box = el("input", { id: input, type: "checkbox", checked: on === true, disabled: on === null || on === undefined });
  const message = el("p", { class: "note error", hidden: !unavailable,
    text: unavailable ? t("autostart_unavailable", { error: unavailable }) : "" });
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      box.checked = await invoke(command, { on: box.checked });
      note(message, "");
    } catch (problem) {
      box.checked = !box.checked;
      note(message, problemText(problem), "error");
    } finally {
      box.disabled = false;
    }
  });
  return section(id, title, el("label", { class: "switch" }, box, el("span", { class: "slider" }), label), message);
}

function autostartSection() {
  return switchSection("startup", t("s_autostart"), t("autostart_on"),
    { input: "autostart", on: current.autostart, unavailable: current.autostart_error, command: "set_autostart" });
}

function linksSection() {
  return switchSection("links", t("s_links"), t("links_on"),
    { input: "links-handler", on: current.links_handler, unavailable: current.links_handler_error, command: "set_links_handler" });
}

function drawSettings() {
  const list = el("ul", { id: "accounts", class: "list" },
    current.accounts.length ? current.accounts.map(accountRow) : el("li", { class: "empty", text: t("no_accounts") }));
  const accounts = section("accounts-section", t("s_accounts"), list,
    el("p", { id: "accounts-note", class: "note", hidden: true }),
    el("div", { id: "account-editor", class: "editor", hidden: true }),
    el("div", { class: "row" }, el("button", { id: "add-account", type: "button", text: `+ ${t("add_account")}`, onclick: () => openEditor(null) })));
  document.getElementById("content").replaceChildren(
    accounts, relaySection(), languageSection(), desktopSection(), linksSection(), autostartSection(),
    el("p", { class: "hint path", text: t("config_file", { path: current.config_path }) }));
  drawTabs();
  showTab();
}

async function startSettings() {
  document.getElementById("heading").textContent = t("settings_title");
  document.getElementById("content").className = "settings";
  try {
    current = await invoke("settings_view");
    drawSettings();
  } catch (problem) {
    showBanner(problem);
  }
}

await initLanguage();
if (location.hash === "#wizard") startWizard(); else startSettings();
