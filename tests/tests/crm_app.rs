//! CRM editing in the real app (`ui/crm.js`, `src-tauri/src/crm.rs`) under Xvfb, driven through
//! WebDriver, against the Vega simulator's CRM Teler on 127.0.0.1: a contact created in the
//! editor, edited, given notes and deleted, and local directory contacts uploaded; after each
//! step the simulator's CRM and the app's contact list are checked. `scripts/test.sh` runs it
//! (inside `xvfb-run` and a D-Bus session with gnome-keyring).

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use callpop_core::{NewContact, PhoneNumber};
use callpop_sim::vega::SimCrmContact;
use callpop_tests::vega_desk::VegaDesk;
use callpop_tests::webdriver::{
    click, save_desktop_screenshot, save_screenshot, switch_to, text_of, wait_for, Driver,
};
use fantoccini::{Client, Locator};

/// How long the UI may take for anything that goes through the PBX.
const UI: Duration = Duration::from_secs(15);

/// The real app on a simulated Vega account (key in the real keyring), with two directory
/// contacts that are not in the CRM. Cleans up in [`AppUnderTest::finish`].
struct AppUnderTest {
    client: Client,
    _driver: Driver,
    desk: VegaDesk,
}

impl std::ops::Deref for AppUnderTest {
    type Target = VegaDesk;

    fn deref(&self) -> &VegaDesk {
        &self.desk
    }
}

impl AppUnderTest {
    async fn start(test: &str, locale: &str) -> anyhow::Result<AppUnderTest> {
        let desk = VegaDesk::new(test, "e2e-crm-key").await?;
        let store = desk.store()?;
        for (name, company, phone) in [
            (
                "Ольга Мельник",
                Some("Мельник и партнёры"),
                "+7 916 111-00-01",
            ),
            ("Тарас Шевчук", None, "+7 916 111-00-02"),
        ] {
            store.add_contact(&NewContact {
                name: name.into(),
                company: company.map(Into::into),
                phones: vec![PhoneNumber::parse(phone, "RU")],
                ..NewContact::default()
            })?;
        }
        drop(store);
        let (client, driver) = desk.launch(locale, &["--open"]).await?;
        Ok(AppUnderTest {
            client,
            _driver: driver,
            desk,
        })
    }

    /// The simulator's CRM contact having `number` (its last 10 digits), if any.
    fn crm_contact_with(&self, number: &str) -> Option<SimCrmContact> {
        let tail: String = number.chars().filter(char::is_ascii_digit).collect();
        let tail = &tail[tail.len() - 10..];
        self.sim.crm().contacts().into_iter().find(|contact| {
            contact.fields.iter().flat_map(|f| &f.values).any(|v| {
                let digits: String = v
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                digits.ends_with(tail)
            })
        })
    }

    /// Polls the simulator until `check` holds (the UI saves asynchronously).
    async fn until_crm(&self, what: &str, check: impl Fn(&Self) -> bool) -> anyhow::Result<()> {
        let deadline = Instant::now() + UI;
        while !check(self) {
            if Instant::now() > deadline {
                bail!("the simulator's CRM never showed: {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    async fn finish(self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        if result.is_err() {
            save_desktop_screenshot("desktop-on-failure.png");
            let _ = save_screenshot(&self.client, "crm-editor-on-failure.png").await;
        }
        let _ = self.client.close().await;
        result
    }
}

/// Saves a screenshot once WebKit has painted what the DOM already says (it paints a moment
/// later; the picture, not the assertions, needs the wait).
async fn picture(client: &Client, name: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(700)).await;
    save_screenshot(client, name).await
}

fn has_value(contact: &SimCrmContact, value: &str) -> bool {
    contact.values().iter().any(|(_, v)| v == value)
}

async fn type_into(client: &Client, selector: &str, text: &str) -> anyhow::Result<()> {
    // Emptied by script: WebKitWebDriver's Clear refuses a textarea scrolled inside a dialog.
    client
        .execute(
            "document.querySelector(arguments[0]).value = '';",
            vec![serde_json::json!(selector)],
        )
        .await
        .with_context(|| format!("clearing {selector}"))?;
    if !text.is_empty() {
        client
            .find(Locator::Css(selector))
            .await?
            .send_keys(text)
            .await
            .with_context(|| format!("typing into {selector}"))?;
    }
    Ok(())
}

/// Types `query` into the contact search (an empty one lists everything again).
async fn search(client: &Client, query: &str) -> anyhow::Result<()> {
    type_into(client, "#search", query).await?;
    if query.is_empty() {
        client
            .execute(
                "document.querySelector('#search').dispatchEvent(new Event('input'));",
                vec![],
            )
            .await?;
    }
    wait_for(
        client,
        &format!("document.querySelector('#contacts').dataset.query === {query:?}"),
        UI,
    )
    .await
    .with_context(|| format!("the list shows the answer to {query:?}"))?;
    Ok(())
}

/// True while a row of the contact list shows `name`.
fn row_named(name: &str) -> String {
    format!(
        "[...document.querySelectorAll('#contacts li.contact .title')].some(e => e.textContent === {name:?})"
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn a_crm_contact_is_created_edited_noted_and_deleted_and_local_contacts_are_uploaded(
) -> anyhow::Result<()> {
    let app = AppUnderTest::start("crm", "ru-RU").await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop").await?;
        wait_for(client, "document.querySelector('#status.online')", UI).await?;

        // Create: the toolbar's "New CRM contact", the form filled in, Save.
        click(client, "#contacts-actions button.crm-new", UI).await?;
        wait_for(client, "document.querySelector('#crm-editor').open", UI).await?;
        type_into(client, "#crm-editor input[name=name]", "Анна Бойко").await?;
        type_into(client, "#crm-editor input[name=company]", "Бойко и Ко").await?;
        type_into(client, "#crm-editor .crm-phone input", "+7 903 555-44-33").await?;
        click(client, "#crm-editor .crm-add-phone", UI).await?;
        type_into(
            client,
            "#crm-editor .crm-phone:nth-child(2) input",
            "8 495 222-33-44",
        )
        .await?;
        type_into(client, "#crm-editor input[name=email]", "anna@boiko.ru").await?;
        wait_for(
            client,
            "document.querySelectorAll('#crm-editor select[name=responsible] option').length > 1",
            UI,
        )
        .await
        .context("the PBX's employees are offered as responsible")?;
        // WebKitWebDriver cannot click an <option>: the pick is made as the select's change.
        client
            .execute(
                "const s = document.querySelector('#crm-editor select[name=responsible]'); \
                 s.value = '41'; s.dispatchEvent(new Event('change')); return s.value;",
                vec![],
            )
            .await
            .context("picking the responsible")?;
        picture(client, "crm-editor-new.png").await?;
        click(client, "#crm-editor .crm-save", UI).await?;
        wait_for(
            client,
            "document.querySelector('#crm-editor .crm-message').dataset.kind === 'ok'",
            UI,
        )
        .await
        .context("the editor says it saved")?;
        app.until_crm("the new contact", |app| {
            app.crm_contact_with("+79035554433").is_some()
        })
        .await?;
        let created = app.crm_contact_with("+79035554433").unwrap();
        let crm_id = created.id.context("the new contact's id")?;
        assert!(has_value(&created, "Анна Бойко"), "{:?}", created.values());
        assert!(has_value(&created, "Бойко и Ко"));
        assert!(has_value(&created, "+74952223344"));
        assert!(has_value(&created, "anna@boiko.ru"));
        assert_eq!(created.responsible_user_id, Some(41));
        click(client, "#crm-editor .crm-cancel", UI).await?;
        search(client, "Бойко").await?;
        wait_for(client, &row_named("Анна Бойко"), UI)
            .await
            .context("the new contact is in the app's contact search")?;

        // Edit from the contact's own row: a new phone and company.
        click(client, "#contacts li.contact .crm-row-edit", UI).await?;
        wait_for(
            client,
            "document.querySelector('#crm-editor input[name=name]').value === 'Анна Бойко'",
            UI,
        )
        .await
        .context("the editor loads the contact from the CRM")?;
        type_into(client, "#crm-editor .crm-phone input", "+7 903 555-00-00").await?;
        type_into(client, "#crm-editor input[name=company]", "ООО «Бойко»").await?;
        click(client, "#crm-editor .crm-save", UI).await?;
        app.until_crm("the new phone and company", |app| {
            app.sim
                .crm()
                .contact(crm_id)
                .is_some_and(|c| has_value(&c, "+79035550000") && has_value(&c, "ООО «Бойко»"))
        })
        .await?;
        let edited = app.sim.crm().contact(crm_id).unwrap();
        assert!(!has_value(&edited, "+79035554433"), "the old number replaced");
        assert!(has_value(&edited, "+74952223344"), "the other number kept");

        // Notes: add, edit in place, delete; the simulator's notes follow each step.
        type_into(client, "#crm-editor .crm-note-new textarea", "Выслать счёт").await?;
        click(client, "#crm-editor .crm-add-note", UI).await?;
        wait_for(
            client,
            "document.querySelector('#crm-editor .crm-note-text')?.textContent === 'Выслать счёт'",
            UI,
        )
        .await?;
        let notes = app.sim.crm().notes(crm_id);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].content.as_deref(), Some("Выслать счёт"));
        assert_eq!(notes[0].responsible_user_id, 36, "written by me (001)");
        let meta = text_of(client, "#crm-editor .crm-note-meta").await?;
        assert!(meta.contains("Іван Іванов"), "the author is named: {meta}");
        click(client, "#crm-editor .crm-note-edit", UI).await?;
        type_into(client, "#crm-editor .crm-note-editing", "Счёт выслан").await?;
        click(client, "#crm-editor .crm-note-save", UI).await?;
        wait_for(
            client,
            "document.querySelector('#crm-editor .crm-note-text')?.textContent === 'Счёт выслан'",
            UI,
        )
        .await?;
        assert_eq!(
            app.sim.crm().notes(crm_id)[0].content.as_deref(),
            Some("Счёт выслан")
        );
        picture(client, "crm-editor-notes.png").await?;
        click(client, "#crm-editor .crm-note-delete", UI).await?;
        click(client, "#crm-editor .crm-note-really-delete", UI).await?;
        wait_for(
            client,
            "!document.querySelector('#crm-editor .crm-note') && document.querySelector('#crm-editor .crm-note-list .empty')",
            UI,
        )
        .await?;
        assert!(app.sim.crm().notes(crm_id).is_empty());

        // Delete the contact, after the confirmation.
        click(client, "#crm-editor .crm-delete", UI).await?;
        wait_for(
            client,
            "!document.querySelector('#crm-editor .crm-confirm').hidden",
            UI,
        )
        .await?;
        picture(client, "crm-editor-confirm-delete.png").await?;
        assert!(
            app.sim.crm().contact(crm_id).is_some(),
            "nothing deleted before the confirmation"
        );
        click(client, "#crm-editor .crm-really-delete", UI).await?;
        wait_for(client, "!document.querySelector('#crm-editor').open", UI).await?;
        app.until_crm("the contact deleted", |app| {
            app.sim.crm().contact(crm_id).is_none()
        })
        .await?;
        search(client, "Бойко").await?;
        wait_for(
            client,
            &format!("!({})", row_named("Анна Бойко")),
            UI,
        )
        .await
        .context("the deleted contact leaves the list")?;

        // Upload the two local-only contacts.
        search(client, "").await?;
        click(client, "#contacts-actions button.crm-upload", UI).await?;
        wait_for(
            client,
            "document.querySelectorAll('#crm-upload .crm-candidates input:checked').length === 2",
            UI,
        )
        .await
        .context("the two local contacts are offered, ticked")?;
        picture(client, "crm-editor-upload.png").await?;
        click(client, "#crm-upload .crm-upload-go", UI).await?;
        let report = wait_for(
            client,
            "!document.querySelector('#crm-upload .crm-report').hidden && document.querySelector('#crm-upload .crm-report-summary').textContent",
            UI,
        )
        .await?;
        assert_eq!(report, "Успешно: 2, с ошибкой: 0.");
        for number in ["+79161110001", "+79161110002"] {
            let uploaded = app.crm_contact_with(number);
            assert!(uploaded.is_some(), "{number} is in the CRM");
        }
        assert!(has_value(
            &app.crm_contact_with("+79161110001").unwrap(),
            "Мельник и партнёры"
        ));
        picture(client, "crm-editor-upload-report.png").await?;
        assert_eq!(
            wait_for(
                client,
                "document.querySelectorAll('#crm-upload .crm-candidates input:checked').length === 0 && document.querySelector('#crm-upload .crm-upload-go').disabled",
                UI,
            )
            .await?,
            true,
            "what was uploaded cannot be sent twice"
        );
        click(client, "#crm-upload .crm-upload-close", UI).await?;
        wait_for(client, &row_named("Тарас Шевчук"), UI).await?;
        picture(client, "crm-editor-list.png").await?;
        // Now in the CRM: their rows open the editor on the CRM's record.
        search(client, "Шевчук").await?;
        wait_for(client, &row_named("Тарас Шевчук"), UI).await?;
        click(client, "#contacts li.contact .crm-row-edit", UI).await?;
        wait_for(
            client,
            "document.querySelector('#crm-editor .crm-sub').textContent.startsWith('CRM #')",
            UI,
        )
        .await
        .context("an uploaded contact opens as a CRM contact")?;
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn a_save_the_pbx_refuses_is_explained_and_the_form_keeps_what_was_typed(
) -> anyhow::Result<()> {
    let app = AppUnderTest::start("crmfail", "ru-RU").await?;
    let client = &app.client;
    let result = async {
        switch_to(client, "Callpop").await?;
        wait_for(client, "document.querySelector('#status.online')", UI).await?;
        click(client, "#contacts-actions button.crm-new", UI).await?;
        wait_for(client, "document.querySelector('#crm-editor').open", UI).await?;
        // Nothing typed: the form says what is missing, in words, before asking the PBX.
        click(client, "#crm-editor .crm-save", UI).await?;
        let missing = text_of(client, "#crm-editor .crm-message").await?;
        assert_eq!(missing, "Введите имя контакта.");
        type_into(client, "#crm-editor input[name=name]", "Nobody Home").await?;
        type_into(client, "#crm-editor .crm-phone input", "+7 903 555-77-66").await?;
        app.sim
            .crm()
            .inject_faults(callpop_sim::vega::Fault::ServerError, 1);
        click(client, "#crm-editor .crm-save", UI).await?;
        let error = wait_for(
            client,
            "document.querySelector('#crm-editor .crm-message').dataset.kind === 'error' && document.querySelector('#crm-editor .crm-message').textContent",
            UI,
        )
        .await?;
        let error = error.as_str().unwrap_or_default().to_owned();
        // In the user's language first, what to do; the PBX's own answer after, for support.
        assert!(
            error.starts_with("Сбой на стороне АТС. Попробуйте позже.\nПодробности: "),
            "{error}"
        );
        assert!(error.contains("HTTP 500"), "the detail follows: {error}");
        assert_eq!(
            client
                .find(Locator::Css("#crm-editor input[name=name]"))
                .await?
                .prop("value")
                .await?
                .as_deref(),
            Some("Nobody Home"),
            "nothing lost from the form"
        );
        picture(client, "crm-editor-error.png").await?;
        assert!(app.crm_contact_with("+79035557766").is_none());
        anyhow::Ok(())
    }
    .await;
    app.finish(result).await
}
