//! The webhook seam: the plain request and reply every provider's handlers work on, the gate
//! that refuses strangers before their body is read ([`WebhookGate`]), and the one trait the
//! relay serves every provider's webhooks through ([`WebhookHandler`], whose answer is a
//! [`Handled`]). No HTTP framework here: the relay copies what it received into a
//! [`WebhookRequest`] and writes the [`WebhookReply`] back as it is.

use std::net::IpAddr;

use serde::Serialize;

/// `Content-Type` of every reply.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// One request from a PBX (Vega, the cloud PBX...), as the relay received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The peer's address as the socket saw it (not a forwarded-for header: anyone can write
    /// one). An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`) counts as the IPv4 one.
    pub remote_ip: IpAddr,
    /// The request path, query string included or not, e.g. `/vega/3f9c…/`.
    pub path: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, at most what [`WebhookGuard::max_body_bytes`](crate::vega::webhook::WebhookGuard::max_body_bytes)
    /// allows: the relay should stop reading beyond that and pass what it has (a longer body is
    /// answered `413`).
    pub body: Vec<u8>,
}

/// What to send back to the PBX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl WebhookReply {
    /// `status` with `value` as its JSON body.
    pub fn json(status: u16, value: &impl Serialize) -> WebhookReply {
        // Serializing our own reply types (strings, bools, nulls) cannot fail; should it ever,
        // the PBX still gets valid JSON rather than a panic.
        let body = serde_json::to_string(value)
            .unwrap_or_else(|_| r#"{"error":"Internal error: cannot write the reply"}"#.into());
        WebhookReply {
            status,
            content_type: JSON_CONTENT_TYPE,
            body,
        }
    }

    /// `200 {"ok":true}`: vega.md A.2 asks for a 200 once an event is processed and says nothing
    /// of a body.
    pub fn ok() -> WebhookReply {
        WebhookReply::json(200, &serde_json::json!({ "ok": true }))
    }
}

/// What a JSON value is, for error messages ("expected text, got a number").
pub(crate) fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What the relay asks of a provider's webhooks before it reads a body: a stranger (wrong
/// address, wrong secret in the path) is refused on the request line alone, and the body is
/// read only up to [`max_body_bytes`](Self::max_body_bytes).
pub trait WebhookGate: Send + Sync {
    /// `Err` with the reply for a request that may not come in.
    fn admit(&self, request: &WebhookRequest) -> Result<(), WebhookReply>;
    /// The longest body the handler reads; the relay reads one byte more so the handler can
    /// answer `413` in its own words.
    fn max_body_bytes(&self) -> usize;
    /// The reply for a request whose `Content-Length` already says it is too large.
    fn too_large(&self, _declared: usize) -> WebhookReply {
        WebhookReply::json(413, &serde_json::json!({ "error": "Payload too large" }))
    }
}

/// What a handler may read while it answers: the directory for look-ups, the PBX's employees
/// for "responsible manager", the time to stamp events the PBX sends without one.
pub struct WebhookContext<'a> {
    /// The shared directory and history.
    pub store: &'a callpop_core::Store,
    /// The PBX's employees, as last read.
    pub employees: &'a [callpop_core::Employee],
    /// When the request arrived.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// What one webhook came to, whichever PBX sent it: the reply, the events for the desktops (in
/// order), the finished calls for the shared history. Each provider's own outcome (with what
/// its tests look at: the kind of request, duplicates, problems) comes down to this.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    /// The reply for the PBX.
    pub reply: WebhookReply,
    /// Events for the desktops.
    pub events: Vec<callpop_core::CallEvent>,
    /// Calls the PBX reported finished, for the shared history.
    pub calls: Vec<callpop_core::CallRecord>,
}

impl Handled {
    /// Only a reply: a look-up, a refusal, a repeat.
    pub fn reply(reply: WebhookReply) -> Handled {
        Handled {
            reply,
            events: Vec::new(),
            calls: Vec::new(),
        }
    }
}

/// One provider's webhooks, as the relay serves them: one route, one gate, one handler. The
/// relay keeps every handler behind the same generic route (its route table), so a provider's
/// webhooks are this trait and a line there.
///
/// `handle` takes `&mut self`: handlers keep state between requests (duplicate filters, live
/// calls), and the relay runs one request at a time per provider so events leave in the
/// order the PBX sent them.
pub trait WebhookHandler: Send {
    /// The provider's name, for logs.
    fn provider(&self) -> &'static str;
    /// The gate the relay checks before reading a body; shared, so checking never waits for a
    /// request being handled.
    fn gate(&self) -> std::sync::Arc<dyn WebhookGate>;
    /// Answers one request (its body read up to the gate's limit, plus one byte).
    fn handle(&mut self, request: &WebhookRequest, context: &WebhookContext<'_>) -> Handled;
}

/// A gate that lets every address in and only limits the body: for PBXs whose requests carry
/// their own proof (a token in the body or the query) that the handler checks.
#[derive(Debug, Clone, Copy)]
pub struct OpenGate {
    /// The longest body read.
    pub max_body_bytes: usize,
}

impl WebhookGate for OpenGate {
    fn admit(&self, _request: &WebhookRequest) -> Result<(), WebhookReply> {
        Ok(())
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}
