//! Vega's webhooks (vega.md part A): Vega → us. Framework-free: the relay copies a request into
//! a [`WebhookRequest`], calls a handler and writes the [`WebhookReply`] back; call events also
//! come back as [`CallEvent`]s for the tracker.
//!
//! - [`guard`]: [`WebhookGuard`], A.0: Vega sends no token, so an IP allow-list plus a secret
//!   path segment (constant-time compare), and a body limit; `403` / `413` otherwise;
//! - [`settings`]: `call.settings`, A.1: who is this number, answered from the directory;
//! - [`events`]: `call.dial` / `call.bridge` / `call.hangup`, A.2: [`VegaWebhookEvents`] turns
//!   them into the same `CallEvent`s the poller's diff makes, dropping duplicates;
//! - [`utm`]: A.3, the once-a-minute UTM records, keyed by call;
//! - [`request`]: the request, the reply, and the one error type whose replies every handler
//!   sends (`{"error": "..."}`).
//!
//! vega.md configures one URL for look-ups and call events (A: "the URL of the CRM resource that
//! receives contact look-ups and call events"; A.1's `request` "lets one CRM URL serve several
//! request kinds") and a URL for UTM tags. [`VegaWebhooks::handle`] therefore tells them apart by
//! the body, so the relay can mount one route (`/vega/<secret>` and anything under it) for all
//! three; each handler also works alone.

pub mod events;
pub mod guard;
pub mod request;
pub mod settings;
pub mod utm;

use callpop_core::{CallEvent, Employee, Store};
use chrono::{DateTime, Utc};
use serde_json::Value;

pub use events::{parse_call_event, EventsOutcome, VegaCallEvent, VegaWebhookEvents};
pub use guard::{
    generate_secret_segment, AllowedNet, GuardConfigError, WebhookGuard, DEFAULT_MAX_BODY_BYTES,
    VEGA_EXAMPLE_IP,
};
pub use request::{WebhookError, WebhookReply, WebhookRequest, JSON_CONTENT_TYPE};
pub use settings::{
    answer_call_settings, handle_call_settings, parse_call_settings, CallSettingsAnswer,
    CallSettingsOptions, CallSettingsRequest, OtherLegAnswer,
};
pub use utm::{handle_utm, parse_utm, UtmBatch, UtmRecord};

/// Which webhook a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// `call.settings` (A.1).
    CallSettings,
    /// `call.dial`, `call.bridge`, `call.hangup`, hold toggles (A.2).
    CallEvent,
    /// UTM tags (A.3).
    Utm,
}

/// What one request came to.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookOutcome {
    /// The reply for Vega.
    pub reply: WebhookReply,
    /// Which webhook it was; `None` when it was refused before that was known (`403`, `413`,
    /// a body that is none of them).
    pub kind: Option<WebhookKind>,
    /// For a call event: the `CallEvent`s for the tracker, in order.
    pub events: Vec<CallEvent>,
    /// For a call event: the event as parsed (hold toggles are read from it).
    pub call_event: Option<VegaCallEvent>,
    /// For UTM tags: the batch.
    pub utm: Option<UtmBatch>,
}

impl WebhookOutcome {
    fn reply_only(reply: WebhookReply, kind: Option<WebhookKind>) -> WebhookOutcome {
        WebhookOutcome {
            reply,
            kind,
            events: Vec::new(),
            call_event: None,
            utm: None,
        }
    }
}

/// Every Vega webhook of one account behind one entry point: guard, then dispatch by body.
#[derive(Debug)]
pub struct VegaWebhooks {
    guard: WebhookGuard,
    settings: CallSettingsOptions,
    events: VegaWebhookEvents,
}

impl VegaWebhooks {
    /// `region` and `my_ext` as for [`VegaWebhookEvents::new`].
    pub fn new(
        guard: WebhookGuard,
        settings: CallSettingsOptions,
        region: &str,
        my_ext: Option<String>,
    ) -> VegaWebhooks {
        VegaWebhooks {
            guard,
            settings,
            events: VegaWebhookEvents::new(region, my_ext),
        }
    }

    /// The guard: the relay reads [`WebhookGuard::max_body_bytes`] from it to limit reading.
    pub fn guard(&self) -> &WebhookGuard {
        &self.guard
    }

    /// Handles one request: `403` / `413` from the guard; then by the body:
    /// - a JSON array: UTM tags;
    /// - a JSON object with `event`: a call event;
    /// - a JSON object with `request`, or form fields: a look-up in `directory` (a `request`
    ///   other than `call.settings` is `400`);
    /// - anything else: `400`.
    ///
    /// `now` stamps what Vega does not (see [`VegaWebhookEvents::handle`]).
    pub fn handle(
        &mut self,
        request: &WebhookRequest,
        directory: &Store,
        employees: &[Employee],
        now: DateTime<Utc>,
    ) -> WebhookOutcome {
        if let Err(error) = self.guard.check(request) {
            return WebhookOutcome::reply_only(error.reply(), None);
        }
        let content_type = request.content_type.as_deref();
        let value = if request::is_form(content_type) {
            None
        } else {
            serde_json::from_slice::<Value>(&request.body).ok()
        };
        let kind = match &value {
            Some(Value::Array(_)) => WebhookKind::Utm,
            Some(Value::Object(object)) if object.contains_key("event") => WebhookKind::CallEvent,
            Some(Value::Object(object)) if object.contains_key("request") => {
                WebhookKind::CallSettings
            }
            // Form fields (the look-up's fallback encoding) or not JSON at all: the look-up's
            // parser gives the precise error.
            None => WebhookKind::CallSettings,
            Some(_) => {
                let error = WebhookError::UnknownRequest(
                    "the body is neither a call.settings request, a call event nor UTM tags".into(),
                );
                tracing::warn!("Vega webhook refused (400): {error}");
                return WebhookOutcome::reply_only(error.reply(), None);
            }
        };
        match kind {
            WebhookKind::CallSettings => WebhookOutcome::reply_only(
                handle_call_settings(request, directory, employees, &self.settings),
                Some(kind),
            ),
            WebhookKind::CallEvent => {
                let outcome = self.events.handle(request, now);
                WebhookOutcome {
                    reply: outcome.reply,
                    kind: Some(kind),
                    events: outcome.events,
                    call_event: outcome.parsed,
                    utm: None,
                }
            }
            WebhookKind::Utm => {
                let (reply, batch) = handle_utm(request);
                WebhookOutcome {
                    reply,
                    kind: Some(kind),
                    events: Vec::new(),
                    call_event: None,
                    utm: batch,
                }
            }
        }
    }
}

impl crate::webhook::WebhookHandler for VegaWebhooks {
    fn provider(&self) -> &'static str {
        "Vega"
    }

    fn gate(&self) -> std::sync::Arc<dyn crate::webhook::WebhookGate> {
        std::sync::Arc::new(self.guard.clone())
    }

    fn handle(
        &mut self,
        request: &WebhookRequest,
        context: &crate::webhook::WebhookContext<'_>,
    ) -> crate::webhook::Handled {
        let outcome =
            VegaWebhooks::handle(self, request, context.store, context.employees, context.now);
        // vega.md A.3: UTM tags are kept with their call for the history to show.
        for record in outcome.utm.iter().flat_map(|batch| batch.records.values()) {
            let saved = context.store.save_utm_tags(
                crate::vega::PROVIDER,
                &record.call_parent_uuid,
                &record.tags(),
            );
            if let Err(error) = saved {
                tracing::error!(call = %record.call_parent_uuid, "Vega UTM tags not saved: {error}");
            }
        }
        crate::webhook::Handled {
            reply: outcome.reply,
            events: outcome.events,
            calls: Vec::new(),
        }
    }

    /// The call events' state only: look-ups and UTM tags keep nothing between requests, and
    /// the guard and look-up options are settings.
    fn shared_state(&self) -> Option<String> {
        self.events.shared_state()
    }

    fn restore_shared_state(&mut self, state: &str) -> Result<(), String> {
        self.events.restore_shared_state(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vega::examples::{SETTINGS_REQUEST, UTM};
    use crate::webhook::shared_state_checks::{
        assert_garbage_changes_nothing, assert_handing_over_changes_nothing,
    };
    use crate::webhook::{WebhookContext, WebhookHandler};
    use callpop_core::CallState;

    const SECRET: &str = "9f2c4e1a7b3d5f608192a3b4c5d6e7f8";

    fn now() -> DateTime<Utc> {
        "2026-01-10T12:00:00Z".parse().unwrap()
    }

    fn webhooks() -> VegaWebhooks {
        VegaWebhooks::new(
            WebhookGuard::new(&[VEGA_EXAMPLE_IP], SECRET).unwrap(),
            CallSettingsOptions::default(),
            "UA",
            None,
        )
    }

    fn request(body: &str) -> WebhookRequest {
        WebhookRequest {
            remote_ip: VEGA_EXAMPLE_IP.parse().unwrap(),
            path: format!("/vega/{SECRET}"),
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    /// Event `name` of call `uuid` (`lgDirection` `direction`, answered when `bridge_at` is
    /// set, a leg of group `parent` when given).
    fn event(
        name: &str,
        uuid: &str,
        direction: i64,
        bridge_at: Option<i64>,
        parent: Option<&str>,
    ) -> WebhookRequest {
        let body = serde_json::json!({
            "event": name, "uuid": uuid, "parentUuid": parent, "lgDirection": direction,
            "dialAt": 1_768_046_340_000_i64, "bridgeAt": bridge_at,
            "serverTime": 1_768_046_400_000_i64,
            "leg": {"id": 36, "ext": "001", "displayName": "Іван Іванов"},
            "otherLegs": [{"num": "+380442249895"}]
        });
        request(&body.to_string())
    }

    const BRIDGED: Option<i64> = Some(1_768_046_350_000);

    /// An incoming call (its dial delivered twice) answered, put on hold and back, then hung up,
    /// with a late dial after; a missed call; a group call one leg answers while the other is
    /// cancelled; a look-up and UTM tags in between.
    fn day() -> Vec<WebhookRequest> {
        vec![
            event("call.dial", "a", 4, None, None),
            event("call.dial", "a", 4, None, None),
            request(SETTINGS_REQUEST),
            event("call.bridge", "a", 4, BRIDGED, None),
            event("call.bridge", "a", 32, BRIDGED, None),
            event("call.bridge", "a", 64, BRIDGED, None),
            event("call.dial", "m", 4, None, None),
            event("call.hangup", "m", 4, None, None),
            event("call.hangup", "a", 4, BRIDGED, None),
            event("call.dial", "a", 4, None, None),
            event("call.dial", "x", 4, None, Some("g")),
            event("call.dial", "y", 4, None, Some("g")),
            event("call.bridge", "y", 4, BRIDGED, Some("g")),
            event("call.hangup", "x", 4, None, Some("g")),
            request(UTM),
            event("call.hangup", "y", 4, BRIDGED, Some("g")),
        ]
    }

    fn context(store: &Store) -> WebhookContext<'_> {
        WebhookContext {
            store,
            employees: &[],
            now: now(),
        }
    }

    #[test]
    fn the_day_reads_as_the_scenario_says() {
        let store = Store::open_in_memory("UA").unwrap();
        let mut hooks = webhooks();
        let handled: Vec<_> = day()
            .iter()
            .map(|request| WebhookHandler::handle(&mut hooks, request, &context(&store)))
            .collect();
        assert!(handled.iter().all(|h| h.reply.status == 200), "{handled:?}");
        let states: Vec<Vec<(CallState, bool)>> = handled
            .iter()
            .map(|h| h.events.iter().map(|e| (e.state, e.on_hold)).collect())
            .collect();
        use CallState::*;
        let want: [&[(CallState, bool)]; 16] = [
            &[(Ringing, false)],
            &[],
            &[],
            &[(Answered, false)],
            &[(Answered, true)],
            &[(Answered, false)],
            &[(Ringing, false)],
            &[(Missed, false)],
            &[(Ended, false)],
            &[],
            &[(Ringing, false)],
            &[(Ringing, false)],
            &[(Answered, false)],
            &[(Cancelled, false)],
            &[],
            &[(Ended, false)],
        ];
        assert_eq!(states, want);
    }

    #[test]
    fn handlers_handing_their_state_over_answer_as_one_handler() {
        let store = Store::open_in_memory("UA").unwrap();
        assert_handing_over_changes_nothing(webhooks, &day(), &context(&store));
    }

    #[test]
    fn a_state_that_does_not_read_is_refused_and_changes_nothing() {
        let store = Store::open_in_memory("UA").unwrap();
        let day = day();
        assert_garbage_changes_nothing(webhooks, &day[..12], &day[..], &context(&store));
    }

    #[test]
    fn the_shared_state_holds_no_settings_and_a_restore_keeps_the_receivers() {
        let store = Store::open_in_memory("UA").unwrap();
        let mut sender = webhooks();
        WebhookHandler::handle(
            &mut sender,
            &event("call.dial", "a", 4, None, None),
            &context(&store),
        );
        let state = WebhookHandler::shared_state(&sender).unwrap();
        assert!(
            !state.contains(SECRET) && !state.contains(VEGA_EXAMPLE_IP) && !state.contains("UA"),
            "{state}"
        );
        // Another address only: the receiver's guard, not the sender's, decides.
        let mut receiver = VegaWebhooks::new(
            WebhookGuard::new(&["10.0.0.1"], SECRET).unwrap(),
            CallSettingsOptions::default(),
            "UA",
            None,
        );
        receiver.restore_shared_state(&state).unwrap();
        let refused = WebhookHandler::handle(
            &mut receiver,
            &event("call.hangup", "a", 4, None, None),
            &context(&store),
        );
        assert_eq!(refused.reply.status, 403);
    }
}
