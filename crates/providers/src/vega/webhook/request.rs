//! The plain request and reply every webhook handler works on, and the one error type whose
//! replies every handler sends. No HTTP framework here: the relay copies what it received into a
//! [`WebhookRequest`] and writes the [`WebhookReply`] back as it is.

use serde_json::Value;

pub(crate) use crate::webhook::json_kind as kind;
pub use crate::webhook::{WebhookReply, WebhookRequest, JSON_CONTENT_TYPE};

/// Why a webhook request was refused. Every variant becomes one reply with the body
/// `{"error": "<Display text>"}`: the text starts with a fixed phrase per kind (`Forbidden`,
/// `Payload too large`, `Invalid parameters`, `Unknown request`) so a log search finds them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The sender's address is not allowed, or the path lacks the secret segment (`403`). The
    /// text says nothing of which: a prober learns nothing.
    #[error("Forbidden")]
    Forbidden,
    /// The body is longer than the limit (`413`).
    #[error("Payload too large: {size} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// The body's length.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The body is not what vega.md describes: not JSON, a missing or mistyped field (`400`).
    #[error("Invalid parameters: {0}")]
    InvalidParameters(String),
    /// The body asks for something this endpoint does not answer (`400`).
    #[error("Unknown request: {0}")]
    UnknownRequest(String),
}

impl WebhookError {
    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::Forbidden => 403,
            WebhookError::TooLarge { .. } => 413,
            WebhookError::InvalidParameters(_) | WebhookError::UnknownRequest(_) => 400,
        }
    }

    /// The reply: [`status`](Self::status) and `{"error": "..."}`.
    pub fn reply(&self) -> WebhookReply {
        WebhookReply::json(
            self.status(),
            &serde_json::json!({ "error": self.to_string() }),
        )
    }
}

/// The body as a JSON value, or `400` naming the line and column serde stopped at.
pub(crate) fn json_body(body: &[u8]) -> Result<Value, WebhookError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WebhookError::InvalidParameters("the body is empty".into()));
    }
    // serde_json refuses nesting deeper than 128 levels, so hostile input cannot overflow the
    // stack.
    serde_json::from_slice(body)
        .map_err(|error| WebhookError::InvalidParameters(format!("the body is not JSON ({error})")))
}

/// True when the `Content-Type` says form fields (`application/x-www-form-urlencoded`).
pub(crate) fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        value.split(';').next().is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    })
}

/// A JSON value given as text: a string (trimmed; empty is `None`) or a number (`380442246595`).
pub(crate) fn text_field(value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let text = text.trim();
            Ok((!text.is_empty()).then(|| text.to_owned()))
        }
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(format!("expected text, got {}", kind(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_replies_with_its_status_and_a_json_error_body() {
        let cases = [
            (WebhookError::Forbidden, 403, "Forbidden"),
            (
                WebhookError::TooLarge {
                    size: 70_000,
                    limit: 65_536,
                },
                413,
                "Payload too large: 70000 bytes, the limit is 65536 bytes",
            ),
            (
                WebhookError::InvalidParameters("otherLegNum is missing".into()),
                400,
                "Invalid parameters: otherLegNum is missing",
            ),
            (
                WebhookError::UnknownRequest("x".into()),
                400,
                "Unknown request: x",
            ),
        ];
        for (error, status, text) in cases {
            let reply = error.reply();
            assert_eq!(reply.status, status);
            assert_eq!(reply.content_type, JSON_CONTENT_TYPE);
            let body: Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(body, serde_json::json!({ "error": text }));
        }
    }

    #[test]
    fn an_empty_or_broken_body_is_invalid_with_a_reason() {
        assert_eq!(
            json_body(b"  \n").unwrap_err(),
            WebhookError::InvalidParameters("the body is empty".into())
        );
        let error = json_body(b"{\"request\": ").unwrap_err().to_string();
        assert!(
            error.starts_with("Invalid parameters: the body is not JSON"),
            "{error}"
        );
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn form_content_types_are_recognised_with_parameters_and_any_case() {
        assert!(is_form(Some("application/x-www-form-urlencoded")));
        assert!(is_form(Some(
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8"
        )));
        assert!(!is_form(Some("application/json")));
        assert!(!is_form(None));
    }

    #[test]
    fn text_fields_take_strings_and_numbers_and_refuse_the_rest() {
        let v = serde_json::json!({"s": " +380 ", "n": 380442246595_u64, "e": "", "b": true});
        assert_eq!(text_field(v.get("s")), Ok(Some("+380".into())));
        assert_eq!(text_field(v.get("n")), Ok(Some("380442246595".into())));
        assert_eq!(text_field(v.get("e")), Ok(None));
        assert_eq!(text_field(v.get("missing")), Ok(None));
        assert_eq!(
            text_field(v.get("b")),
            Err("expected text, got a boolean".into())
        );
    }
}
