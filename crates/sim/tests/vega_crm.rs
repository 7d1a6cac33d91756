//! The simulator's CRM Teler (vega.md B.9) over plain HTTP: what the spec documents, including
//! the choices it leaves open (batch `merge`).

use callpop_sim::vega::{Fault, VegaSim, VegaSimConfig, VegaSimHandle};
use serde_json::{json, Value};

const DOMAIN: &str = "sim-crm.pbx.vega.ua";
const KEY: &str = "sim-crm-key";

async fn login() -> (VegaSimHandle, reqwest::Client, String) {
    let sim = VegaSim::start("127.0.0.1:0", VegaSimConfig::new(DOMAIN, KEY))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/rest/security/authorize", sim.base_url()))
        .json(&json!({"domain": DOMAIN, "apiKey": KEY}))
        .send()
        .await
        .unwrap();
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    (sim, http, cookie)
}

#[tokio::test]
async fn seeded_contacts_carry_ukrainian_and_russian_labels_and_ms_times() {
    let (sim, http, cookie) = login().await;
    let list: Vec<Value> = http
        .get(format!("{}/crm/contacts/v2/?limit=60", sim.base_url()))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let labels: Vec<&str> = list
        .iter()
        .flat_map(|c| c["fields"].as_array().unwrap())
        .filter_map(|f| f["enumCode"].as_str())
        .collect();
    assert!(
        labels.contains(&"Ім'я") && labels.contains(&"Имя"),
        "{labels:?}"
    );
    assert!(list
        .iter()
        .all(|c| c["lastModified"].as_i64().unwrap() > 1_000_000_000_000));
    // The default page is 30, and limit=0 is a valid empty page.
    let empty: Vec<Value> = http
        .get(format!("{}/crm/contacts/v2/?limit=0", sim.base_url()))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(empty.is_empty());
}

#[tokio::test]
async fn batch_merge_keeps_other_fields_and_replace_drops_them() {
    let (sim, http, cookie) = login().await;
    let upload = |merge: i64| {
        http.post(format!("{}/crm/contacts/v2/batch", sim.base_url()))
            .header("Cookie", &cookie)
            .json(&json!({"merge": merge, "contacts": [
                {"id": 85491, "fields": [{"enumCode": "Категорія", "values": [{"value": "VIP"}]}]},
                "not a contact"
            ]}))
            .send()
    };
    let answer = upload(1).await.unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({"succeeded": 1, "failed": 1})
    );
    assert_eq!(sim.crm().contact(85491).unwrap().fields.len(), 5);
    assert_eq!(upload(0).await.unwrap().status(), 201);
    assert_eq!(sim.crm().contact(85491).unwrap().fields.len(), 1);
    assert_eq!(upload(2).await.unwrap().status(), 400);
}

#[tokio::test]
async fn unknown_ids_are_404_bad_ids_400_and_faults_500() {
    let (sim, http, cookie) = login().await;
    let get = |path: &str| {
        http.get(format!("{}{path}", sim.base_url()))
            .header("Cookie", &cookie)
            .send()
    };
    assert_eq!(get("/crm/contacts/v2/1").await.unwrap().status(), 404);
    assert_eq!(get("/crm/contacts/v2/1/notes").await.unwrap().status(), 404);
    assert_eq!(get("/crm/contacts/v2/abc").await.unwrap().status(), 400);
    let delete = http
        .delete(format!("{}/crm/contacts/v2/85491/notes/42", sim.base_url()))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 404);
    sim.crm().inject_faults(Fault::ServerError, 1);
    assert_eq!(get("/crm/contacts/v2/7068").await.unwrap().status(), 500);
    assert_eq!(get("/crm/contacts/v2/7068").await.unwrap().status(), 200);
}
