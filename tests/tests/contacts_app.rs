//! The contact list of the real app (under Xvfb, through WebDriver) over a directory of 100k
//! contacts in the real SQLite file, on a simulated Vega account: search-as-you-type, a
//! virtualized list, click-to-call from a row, and CSV / vCard import from the window.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use callpop_core::{NewContact, PhoneNumber};
use callpop_tests::vega_desk::VegaDesk;
use callpop_tests::webdriver::{
    click, save_desktop_screenshot, save_screenshot, switch_to, text_of, wait_for,
};
use fantoccini::{Client, Locator};

const CONTACTS: usize = 100_000;

/// The CSV a person imports: two good rows, a row without a number (line 3), an empty row
/// (ignored) and a row whose number is not one (line 6).
const IMPORT_CSV: &str = "ФИО;Компания;Телефон\n\
    Импортов Первый;ООО Импорт;+7 912 000 00 01\n\
    Сломанный Без Номера;ООО Импорт;\n\
    Импортов Второй;;8 912 000 00 02\n\
    ;;\n\
    Битый Номер;;позвоните мне\n";

/// A vCard file: a 2.1 card in QUOTED-PRINTABLE UTF-8, a 3.0 card, and a card with no number.
const IMPORT_VCF: &str = "BEGIN:VCARD\r\nVERSION:2.1\r\n\
    N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=92=D0=BA=D0=B0=D1=80=D1=82=D0=BE=D0=B2;=D0=98=D0=B3=D0=BE=D1=80=D1=8C;;;\r\n\
    TEL;CELL:+79120000003\r\nEND:VCARD\r\n\
    BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Вкартова Ольга\r\nORG:Визитки\\, ООО\r\n\
    TEL;TYPE=WORK,VOICE:+7 912 000 00 04\r\nEND:VCARD\r\n\
    BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Вкартов Безномерный\r\nEND:VCARD\r\n";

async fn rows_in_dom(client: &Client) -> anyhow::Result<u64> {
    let value = client
        .execute(
            "return document.querySelectorAll('#contacts li.contact').length;",
            vec![],
        )
        .await?;
    value.as_u64().context("a row count")
}

async fn titles(client: &Client) -> anyhow::Result<Vec<String>> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('#contacts li.contact')]
               .sort((a, b) => a.dataset.index - b.dataset.index)
               .map((li) => li.querySelector('.title')?.textContent ?? '');",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

async fn type_query(client: &Client, query: &str) -> anyhow::Result<()> {
    let search = client.find(Locator::Id("search")).await?;
    search.clear().await?;
    search.send_keys(query).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, a Secret Service and tauri-driver: run scripts/test.sh"]
async fn a_hundred_thousand_contacts_are_searched_scrolled_called_and_imported_into(
) -> anyhow::Result<()> {
    let desk = VegaDesk::new("contacts", "e2e-contacts-key").await?;

    // The directory: `Контакт 000000` ... `Контакт 099999` and one person to call.
    let store = desk.store()?;
    let mut contacts: Vec<NewContact> = (0..CONTACTS)
        .map(|i| NewContact {
            name: format!("Контакт {i:06}"),
            company: Some(format!("Компания {}", i % 100)),
            phones: vec![PhoneNumber::E164(format!("+7916{i:07}"))],
            ..NewContact::default()
        })
        .collect();
    contacts.push(NewContact {
        name: "Анна Смирнова".into(),
        company: Some("ООО «Северный ветер»".into()),
        phones: vec![
            PhoneNumber::E164("+79101234567".into()),
            PhoneNumber::E164("+74957776655".into()),
        ],
        ..NewContact::default()
    });
    store.import_contacts(&contacts, |_, _| {})?;
    drop(store);

    let (client, _driver) = desk.launch("en-US", &["--open"]).await?;
    let result = async {
        let client = &client;
        switch_to(client, "Callpop").await?;
        let count = wait_for(
            client,
            "document.querySelector('#contacts-count')?.textContent.includes('100,001')
               && document.querySelector('#contacts li.contact .title')
               && document.querySelector('#contacts-count').textContent",
            Duration::from_secs(20),
        )
        .await?;
        assert_eq!(count, "100,001 contacts");
        // The whole directory, alphabetically: the one person first, then the generated ones.
        let first = titles(client).await?;
        assert_eq!(first[0], "Анна Смирнова");
        assert_eq!(first[1], "Контакт 000000");
        let dom_rows = rows_in_dom(client).await?;
        assert!(dom_rows > 3 && dom_rows <= 40, "only the rows in view are in the DOM: {dom_rows}");
        tokio::time::sleep(Duration::from_secs(1)).await; // let WebKit paint
        save_screenshot(client, "contacts-100k.png").await?;

        // Scrolled to the bottom: the last contacts show, still with few rows in the DOM.
        client
            .execute(
                "const ul = document.getElementById('contacts'); ul.scrollTop = ul.scrollHeight;",
                vec![],
            )
            .await?;
        wait_for(
            client,
            "[...document.querySelectorAll('#contacts li.contact .title')].some((t) => t.textContent === 'Контакт 099999')",
            Duration::from_secs(10),
        )
        .await
        .context("the last contact shows at the bottom")?;
        let last = titles(client).await?;
        assert_eq!(last.last().map(String::as_str), Some("Контакт 099999"));
        assert_eq!(last[last.len() - 2], "Контакт 099998");
        let dom_rows = rows_in_dom(client).await?;
        assert!(dom_rows <= 40, "scrolling keeps the DOM small: {dom_rows}");

        // Typing narrows the list: by name, then by the digits of a number.
        type_query(client, "контакт 04999").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-count').textContent === '10 found'",
            Duration::from_secs(10),
        )
        .await?;
        let found = titles(client).await?;
        let expected: Vec<String> = (49_990..50_000).map(|i| format!("Контакт {i:06}")).collect();
        assert_eq!(found, expected);
        type_query(client, "8 916 001 234").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-count').textContent === '10 found'
               && document.querySelector('#contacts li.contact .title')?.textContent === 'Контакт 012340'",
            Duration::from_secs(10),
        )
        .await?;

        // A row's call button for its second number reaches the PBX: my phone, then that number.
        type_query(client, "смирнова").await?;
        wait_for(
            client,
            "document.querySelectorAll('#contacts li.contact button.number').length === 2
               && document.querySelector('#contacts li.contact .title').textContent === 'Анна Смирнова'",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(
            text_of(client, "#contacts li.contact .company").await?,
            "ООО «Северный ветер»"
        );
        click(
            client,
            "#contacts li.contact button.number[data-number='+74957776655']",
            Duration::from_secs(10),
        )
        .await?;
        let calls = desk.wait_for_call_to("+74957776655").await?;
        assert_eq!(calls, 1, "one makeCall");

        // Import a CSV with two broken rows through the file input: progress, then the report.
        client
            .execute(
                "window.__progress = [];
                 window.__TAURI__.event.listen('import-progress', (e) => window.__progress.push(e.payload));
                 window.__bars = 0;
                 new MutationObserver(() => { if (document.getElementById('import-progress')) window.__bars += 1; })
                   .observe(document.getElementById('import-panel'), { childList: true, subtree: true });",
                vec![],
            )
            .await?;
        let csv = desk.home().join("новые контакты.csv");
        std::fs::write(&csv, IMPORT_CSV)?;
        client
            .find(Locator::Id("import-file"))
            .await?
            .send_keys(&csv.display().to_string())
            .await?;
        let summary = wait_for(
            client,
            "document.querySelector('#import-summary')?.textContent",
            Duration::from_secs(20),
        )
        .await?;
        assert_eq!(summary, "новые контакты.csv: 2 added, 0 updated, 2 skipped");
        let skipped = text_of(client, "#import-skipped").await?;
        assert!(skipped.contains("line 3: no phone number"), "{skipped}");
        assert!(skipped.contains("line 6: no valid phone number in \"позвоните мне\""), "{skipped}");
        wait_for(
            client,
            "window.__progress.some((p) => p.done === 2 && p.total === 2) && window.__bars > 0",
            Duration::from_secs(5),
        )
        .await
        .context("the progress was sent and drawn")?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        save_screenshot(client, "contacts-import-report.png").await?;

        // The new contacts are searchable.
        type_query(client, "импортов").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-count').textContent === '2 found'",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(titles(client).await?, ["Импортов Второй", "Импортов Первый"]);

        // A vCard file the same way.
        let vcf = desk.home().join("phone.vcf");
        std::fs::write(&vcf, IMPORT_VCF)?;
        client
            .find(Locator::Id("import-file"))
            .await?
            .send_keys(&vcf.display().to_string())
            .await?;
        wait_for(
            client,
            "document.querySelector('#import-summary')?.textContent === 'phone.vcf: 2 added, 0 updated, 1 skipped'",
            Duration::from_secs(20),
        )
        .await?;
        let skipped = text_of(client, "#import-skipped").await?;
        assert!(skipped.contains("line 12: Вкартов Безномерный: no phone number (TEL)"), "{skipped}");
        type_query(client, "вкарто").await?;
        wait_for(
            client,
            "document.querySelector('#contacts-count').textContent === '2 found'
               && document.querySelector('#contacts li.contact .title')?.textContent === 'Вкартова Ольга'",
            Duration::from_secs(10),
        )
        .await?;
        assert_eq!(titles(client).await?, ["Вкартова Ольга", "Игорь Вкартов"]);

        // A big export: the progress bar moves while it is stored (a picture, and a measure).
        let mut big = String::from("Name;Company;Phone\n");
        for i in 0..30_000 {
            big.push_str(&format!("Big Import {i:05};Wholesale {};+7 917 {i:07}\n", i % 50));
        }
        let big_file = desk.home().join("big-export.csv");
        std::fs::write(&big_file, &big)?;
        let started = Instant::now();
        client
            .find(Locator::Id("import-file"))
            .await?
            .send_keys(&big_file.display().to_string())
            .await?;
        if wait_for(
            client,
            "document.querySelector('#import-progress')?.value > 0",
            Duration::from_secs(60),
        )
        .await
        .is_ok()
        {
            save_screenshot(client, "contacts-import-progress.png").await?;
        }
        wait_for(
            client,
            "document.querySelector('#import-summary')?.textContent.startsWith('big-export.csv: 30000 added')",
            Duration::from_secs(120),
        )
        .await?;
        println!(
            "imported {} bytes (30000 contacts) through the window in {:.1} s",
            big.len(),
            started.elapsed().as_secs_f64()
        );
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        save_desktop_screenshot("desktop-on-failure.png");
    }
    let _ = client.close().await;
    result
}
