//! The plain request and reply every provider's webhook handlers work on (Vega's, the cloud
//! PBX's). No HTTP framework here: the relay copies what it received into a [`WebhookRequest`]
//! and writes the [`WebhookReply`] back as it is.

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
