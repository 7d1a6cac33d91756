//! Caller-name look-up for the PBX itself: Asterisk asks the relay for the directory's name of a
//! caller, so the desk phone's display shows it too. The answer is plain text, as `CURL()` and
//! FreePBX's "Caller ID Lookup Sources" (HTTP, plain text) expect.
//!
//! The relay mounts [`caller_name_reply`] on `GET /asterisk/caller-name?number=NUMBER&token=TOKEN`.
//! Dialplan, before the `Dial` of an inbound route (`from-trunk` here; FreePBX: a Caller ID
//! Lookup Source of type HTTP with the same URL), keeping the PBX's name when the directory has
//! none:
//!
//! ```text
//! same => n,Set(DIRNAME=${CURL(https://relay.example.com/asterisk/caller-name?token=TOKEN&number=${URIENCODE(${CALLERID(num)})})})
//! same => n,ExecIf($["${DIRNAME}" != ""]?Set(CALLERID(name)=${DIRNAME}))
//! ```

use callpop_core::secrets::Secret;
use callpop_core::{PhoneNumber, Store};
use subtle::ConstantTimeEq;

use crate::webhook::WebhookReply;

/// `Content-Type` of every answer.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// A caller-ID name longer than this is cut: phones show about 20 characters, and Asterisk's own
/// limit is 80 bytes.
pub const MAX_NAME_CHARS: usize = 60;

/// The answer to `?number=...&token=...` (the query string, with or without the leading `?`):
/// `200` with the contact's name ("Name (Company)"), `200` with an empty body for a number the
/// directory does not know (the dialplan then keeps the PBX's name), `400` without a number,
/// `403` for a wrong or missing token, `500` when the directory cannot be read. Every body is one
/// line of plain text.
pub fn caller_name_reply(store: &Store, token: &Secret, query: &str) -> WebhookReply {
    let mut number = None;
    let mut given_token = None;
    for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        match key.as_ref() {
            "number" => number = Some(value.into_owned()),
            "token" => given_token = Some(value.into_owned()),
            _ => {}
        }
    }
    let token_ok = given_token
        .as_deref()
        .is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())));
    if !token_ok {
        return text(403, "wrong or missing token");
    }
    let Some(number) = number.filter(|n| !n.trim().is_empty()) else {
        return text(
            400,
            "missing number: ask /asterisk/caller-name?number=NUMBER",
        );
    };
    match store.lookup(&PhoneNumber::parse(&number, store.region())) {
        Ok(Some(contact)) => {
            let name = match &contact.company {
                Some(company) => format!("{} ({company})", contact.name),
                None => contact.name.clone(),
            };
            text(200, &caller_id_safe(&name))
        }
        Ok(None) => text(200, ""),
        Err(error) => {
            tracing::warn!(%error, "caller-name look-up failed");
            text(500, "the directory cannot be read")
        }
    }
}

/// A name Asterisk can put in `CALLERID(name)`: one line, no quotes or angle brackets (they
/// delimit the name in a `"Name" <number>` caller ID), at most [`MAX_NAME_CHARS`].
pub fn caller_id_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !matches!(c, '"' | '<' | '>' | '\\'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_NAME_CHARS)
        .collect()
}

fn text(status: u16, body: &str) -> WebhookReply {
    WebhookReply {
        status,
        content_type: TEXT_CONTENT_TYPE,
        body: body.to_owned(),
    }
}

/// The caller-name look-up as a webhook route: every address may ask (the token in the query
/// is the proof, checked by [`caller_name_reply`]); there is no body to read.
pub struct CallerNameLookup {
    token: Secret,
}

impl CallerNameLookup {
    /// Answers requests carrying `token`.
    pub fn new(token: Secret) -> CallerNameLookup {
        CallerNameLookup { token }
    }
}

impl crate::webhook::WebhookHandler for CallerNameLookup {
    fn provider(&self) -> &'static str {
        "Asterisk look-up"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(crate::webhook::OpenGate { max_body_bytes: 0 })
    }

    // No shared_state: each look-up stands alone, only the token (a setting) is kept.

    fn handle(
        &mut self,
        request: &crate::webhook::WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let query = request.path.split_once('?').map_or("", |(_, query)| query);
        crate::webhook::Handled::reply(caller_name_reply(context.store, &self.token, query))
    }
}
