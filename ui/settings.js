// The settings window and, on the first run (`#wizard`), the set-up wizard: provider →
// connection (tested against the PBX) → "me" → relay → done. Keys go to the OS keyring only
// (the app stores them); this page keeps a typed key just until it is saved. The providers, their
// fields and the words for them come from the app (`providers`): this page lists none itself.
import * as api from "./api.js";
import { el } from "./dom.js";
import { initLanguage, t, addTexts } from "./i18n.js";

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
    f_user: "Me",
    h_key: "Kept only in the OS keyring, never in a file.", key_keep: "Stored — leave empty to keep it",
    test_connection: "Test connection", testing: "Testing…",
    test_ok_list: "Connected. The PBX lists {n} employees.", test_ok: "Connected: the PBX accepted the key.",
    test_failed: "Cannot connect: {error}",
    pick_me: "Choose yourself…",
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
    c_token_required: "Enter the token.",
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
    f_user: "Я",
    h_key: "Хранится только в связке ключей ОС, никогда в файле.", key_keep: "Сохранён — оставьте пустым, чтобы не менять",
    test_connection: "Проверить подключение", testing: "Проверяем…",
    test_ok_list: "Подключено. В АТС сотрудников: {n}.", test_ok: "Подключено: АТС приняла ключ.",
    test_failed: "Не удалось подключиться: {error}",
    pick_me: "Выберите себя…",
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
    c_token_required: "Введите токен.",
  },
});

// The providers the app offers, their fields and the words for them (`providers`), in order.
/** @type {import("./api.js").ProviderView[]} */
let PROVIDERS = [];

/** The provider `kind` as the app describes it; a stand-in for one this build does not know. */
function providerOf(kind) {
  return PROVIDERS.find((p) => p.kind === kind)
    ?? { kind, label: kind, summary: "", key_label: "", user_hint: "", fields: [] };
}

// What a failed command (or this page) says: a `CommandError`'s message is in the user's
// language already.
function problemText(problem) {
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
  const described = providerOf(provider);
  for (const spec of described.fields) {
    const name = spec.name;
    let control;
    if (spec.choices) {
      control = el("select", { id: `f-${name}` },
        spec.choices.map((choice) => el("option", { value: choice.value, text: choice.label })));
      control.value = values[name] || spec.choices[0].value;
    } else {
      control = el("input", { id: `f-${name}`, type: "text", spellcheck: "false", autocomplete: "off",
        placeholder: spec.placeholder });
      control.value = values[name] || "";
    }
    control.addEventListener("input", onChange);
    controls[name] = control;
    root.append(field(name, spec.label + (spec.required ? " *" : ""), control, spec.hint));
  }
  const key = el("input", { id: "f-key", type: "password", autocomplete: "off",
    placeholder: keyStored ? t("key_keep") : "" });
  key.value = values.key || "";
  key.addEventListener("input", onChange);
  root.append(field("key", `${described.key_label}${keyStored ? "" : " *"}`, key, t("h_key")));

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
      const proof = await api.testConnection(draft(), key.value || null, replaces);
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
  return { root: field("user", t("f_user"), control, providerOf(provider).user_hint), control };
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
      el("input", { type: "radio", name: "provider", value: p.kind, checked: wizard.provider === p.kind,
        onchange: () => { wizard.provider = p.kind; wizard.proof = null; next.disabled = false; } }),
      el("span", {}, el("strong", { text: p.label }), el("span", { class: "hint", text: p.summary }))));
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
    content.replaceChildren(lead, el("h2", { text: providerOf(wizard.provider).label }), form.root);
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
    const provider = providerOf(wizard.provider);
    const domain = provider.fields.find((f) => f.name === "domain");
    const rows = [
      [t("st_provider"), provider.label],
      [domain?.label ?? "domain", wizard.values.domain || "—"],
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
    showProblemIn(document.getElementById("content"), { field: "relay_token", message: t("c_token_required") });
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
    await api.saveAccount({ ...draft, user: wizard.user }, key, null, true);
    if (wizard.relayUrl) {
      try {
        await api.saveRelay(wizard.relayUrl, wizard.relayToken);
      } catch (problem) {
        wizard.step = STEPS.indexOf("relay");
        drawWizard();
        showProblemIn(document.getElementById("content"), problem);
        return;
      }
    }
    wizard.values = {};
    await api.closeSettings(true);
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
  document.getElementById("w-demo").addEventListener("click", () => api.closeSettings(true));
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
  const title = el("div", { class: "title" }, el("strong", { text: providerOf(row.provider).label }), ` ${row.domain}`);
  const sub = el("div", { class: "sub" },
    el("span", { text: row.user ? t("me_is", { user: row.user }) : t("me_unset") }), " · ",
    el("span", { class: row.key_stored ? "key ok" : "key missing", text: row.key_stored ? `✓ ${t("key_stored")}` : `⚠ ${t("key_missing")}` }));
  const actions = el("span", { class: "actions" });
  if (row.active) actions.append(el("span", { class: "badge active", text: t("active") }));
  else actions.append(el("button", { class: "use", type: "button", text: t("use_this"), onclick: () => act(() => api.useAccount(row.id), t("switched", { account: `${row.provider} ${row.domain}` })) }));
  actions.append(el("button", { class: "edit", type: "button", text: t("edit"), onclick: () => openEditor(row) }));
  const remove = el("button", { class: "remove danger", type: "button", text: t("remove") });
  remove.addEventListener("click", () => {
    if (remove.dataset.armed) { act(() => api.removeAccount(row.id)); return; }
    remove.dataset.armed = "1";
    remove.textContent = t("really_remove");
    setTimeout(() => { delete remove.dataset.armed; remove.textContent = t("remove"); }, 5000);
  });
  actions.append(remove);
  return el("li", { "data-id": row.id, class: row.active ? "active" : "" }, el("div", { class: "grow" }, title, sub), actions);
}

// Runs `change` (a command answering with the SettingsView) and redraws; `message` on success.
async function act(change, message = "") {
  try {
    current = await change();
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
  let provider = row?.provider || PROVIDERS[0]?.kind;
  let values = row ? { ...row } : {};
  let proof = null;
  const replaces = row?.id ?? null;
  const providerSelect = el("select", { id: "f-provider" }, PROVIDERS.map((p) => el("option", { value: p.kind, text: p.label })));
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
      current = await api.saveAccount({ ...draft, user: me.control.value }, key || null, replaces, !row?.active && active.checked);
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
      current = await api.saveRelay(url.value, token.value || null);
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
      onchange: () => api.setLanguage(code || null).catch(showBanner) }),
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
      current = await api.saveDesktop(missed.checked, key);
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

// A switch the app sets and answers for (`command(on)` resolves to what is set now);
// `unavailable`: why it cannot be read here.
function switchSection(id, title, label, { input, on, unavailable, command }) {
  const box = el("input", { id: input, type: "checkbox", checked: on === true, disabled: on === null || on === undefined });
  const message = el("p", { class: "note error", hidden: !unavailable,
    text: unavailable ? t("autostart_unavailable", { error: unavailable }) : "" });
  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      box.checked = await command(box.checked);
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
    { input: "autostart", on: current.autostart, unavailable: current.autostart_error, command: api.setAutostart });
}

function linksSection() {
  return switchSection("links", t("s_links"), t("links_on"),
    { input: "links-handler", on: current.links_handler, unavailable: current.links_handler_error, command: api.setLinksHandler });
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
    current = await api.settingsView();
    drawSettings();
  } catch (problem) {
    showBanner(problem);
  }
}

await initLanguage();
PROVIDERS = await api.providers().catch((problem) => { showBanner(problem); return []; });
if (location.hash === "#wizard") startWizard(); else startSettings();
