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
    /// The state this handler keeps between requests (duplicate filters, live calls, per-call
    /// facts), as JSON, so relay instances sharing the work can hand it to each other; `None` for a
    /// handler that keeps none.
    fn shared_state(&self) -> Option<String> {
        None
    }
    /// Takes over `state`, as [`shared_state`](Self::shared_state) of a handler of the same
    /// provider wrote it (on another relay instance). An error (text that does not read) leaves the
    /// handler as it was.
    fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        let _ = state;
        Ok(())
    }
}

/// A handler's state as [`WebhookHandler::shared_state`] writes it. Only plain data goes in
/// (strings, numbers, maps keyed by text), which `serde_json` always writes; should it ever
/// fail, the failure is logged and the relay gets `None` rather than a panic.
pub(crate) fn write_shared_state(provider: &str, state: &impl Serialize) -> Option<String> {
    serde_json::to_string(state)
        .map_err(|error| tracing::error!("{provider} webhook state not written: {error}"))
        .ok()
}

/// Reads what [`write_shared_state`] wrote, as a whole: every field must be there and read, so a
/// caller can take the result over only once nothing can fail any more (a bad text then leaves
/// the handler as it was).
pub(crate) fn read_shared_state<T: serde::de::DeserializeOwned>(
    provider: &str,
    state: &str,
) -> Result<T, String> {
    serde_json::from_str(state)
        .map_err(|error| format!("{provider} webhook state unreadable: {error}"))
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

/// Checks every stateful handler's [`WebhookHandler::shared_state`] the same way: handing the
/// state over must be as good as one handler doing all the work, and a bad text must change
/// nothing.
#[cfg(test)]
pub(crate) mod shared_state_checks {
    use super::{Handled, WebhookContext, WebhookHandler, WebhookRequest};

    /// `requests` handled by one handler, and alternately by two that each take over the other's
    /// state before every request, must give the same [`Handled`]s. Also checks that two
    /// handlers that do *not* hand their state over answer differently: the sequence must
    /// depend on the state, or the first check could not fail.
    pub(crate) fn assert_handing_over_changes_nothing<H: WebhookHandler>(
        make: impl Fn() -> H,
        requests: &[WebhookRequest],
        context: &WebhookContext<'_>,
    ) {
        let mut alone = make();
        let by_one: Vec<Handled> = requests
            .iter()
            .map(|request| alone.handle(request, context))
            .collect();
        let by_two = |share: bool| -> Vec<Handled> {
            let (mut a, mut b) = (make(), make());
            let mut handled = Vec::new();
            for (i, request) in requests.iter().enumerate() {
                let (worker, other) = if i % 2 == 0 {
                    (&mut a, &b)
                } else {
                    (&mut b, &a)
                };
                if share {
                    let state = other.shared_state().expect("a stateful handler has state");
                    worker
                        .restore_shared_state(&state)
                        .unwrap_or_else(|error| panic!("request {i}: {error}\n{state}"));
                }
                handled.push(worker.handle(request, context));
            }
            handled
        };
        let shared = by_two(true);
        assert_eq!(by_one.len(), shared.len());
        for (i, (one, two)) in by_one.iter().zip(&shared).enumerate() {
            assert_eq!(
                one, two,
                "request {i} answered differently after a hand-over"
            );
        }
        assert_ne!(
            by_one,
            by_two(false),
            "the requests must depend on the handler's state for the check to mean anything"
        );
        // Also what the answers above may not show (a memory backed up by another one): all of
        // the state comes through a hand-over.
        let mut taker = make();
        let state = alone.shared_state().expect("a stateful handler has state");
        taker
            .restore_shared_state(&state)
            .expect("its own state reads");
        assert_eq!(
            state_value(&taker),
            state_value(&alone),
            "the state changed in the hand-over"
        );
    }

    /// A handler's shared state, read: maps compare whatever order they were written in.
    fn state_value(handler: &impl WebhookHandler) -> serde_json::Value {
        let state = handler
            .shared_state()
            .expect("a stateful handler has state");
        serde_json::from_str(&state).expect("the state is JSON")
    }

    /// A handler that handled `before` is given texts that are not its state: each is refused,
    /// its state reads the same, and it answers `after` exactly as a twin that never saw them.
    pub(crate) fn assert_garbage_changes_nothing<H: WebhookHandler>(
        make: impl Fn() -> H,
        before: &[WebhookRequest],
        after: &[WebhookRequest],
        context: &WebhookContext<'_>,
    ) {
        let (mut tried, mut twin) = (make(), make());
        for request in before {
            tried.handle(request, context);
            twin.handle(request, context);
        }
        let state = state_value(&tried);
        let mut garbage: Vec<String> = ["", "not json", "{", "[]", "null", "42", "{}", "\u{0}"]
            .iter()
            .map(|text| (*text).to_owned())
            .collect();
        // The real state with one field spoilt at a time: nothing of it may be taken over.
        for (field, _) in state.as_object().expect("the state is an object") {
            let mut spoilt = state.clone();
            spoilt[field.as_str()] = serde_json::json!("spoilt");
            garbage.push(spoilt.to_string());
        }
        for text in &garbage {
            assert!(
                tried.restore_shared_state(text).is_err(),
                "{text:?} was taken for a state"
            );
            assert_eq!(state_value(&tried), state, "{text:?} changed the state");
        }
        for (i, request) in after.iter().enumerate() {
            assert_eq!(
                tried.handle(request, context),
                twin.handle(request, context),
                "request {i} after the garbage"
            );
        }
    }
}
