//! ARI events (JSON over the `/ari/events` WebSocket) → the AMI messages the
//! [`CallMapper`](super::CallMapper) folds into calls, so AMI and ARI decide ringing, answered,
//! missed, cancelled and ended by one set of rules.
//!
//! | ARI | AMI |
//! |---|---|
//! | `Dial` with an empty `dialstatus` | `DialBegin` |
//! | `Dial` with `dialstatus` `RINGING` / `PROCEEDING` / `PROGRESS` | `DialState` |
//! | `Dial` with another `dialstatus` (`ANSWER`, `NOANSWER`, `CANCEL`, `BUSY`...) | `DialEnd` |
//! | `ChannelStateChange` | `Newstate` (`ChannelStateDesc` = the channel's `state`) |
//! | `ChannelEnteredBridge` | `BridgeEnter` |
//! | `ChannelDestroyed` | `Hangup` |
//!
//! ARI's channel object (Asterisk 22) carries no `linkedid`, so the translator keeps it: a channel
//! a `Dial` creates belongs to its caller's call, any other channel starts its own (its `id`, as
//! Asterisk's `Linkedid` would be). A channel is announced to the mapper (`Newchannel`) at its
//! first `Dial`, when its call is known: a trunk channel created for an outgoing call reports
//! `Ringing` before the `Dial` that ties it to my phone's call, and my phone's channel may report
//! `Ringing` just before the `Dial` that rings it (both orders were recorded). A state change of a
//! channel not announced yet is held until its `Dial` and dropped if it never comes.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use serde::Deserialize;

use super::frame::AmiMessage;

/// Why an ARI WebSocket message is no event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AriEventError {
    /// Not JSON, or JSON of the wrong shape (a channel that is not an object...).
    #[error("an ARI event is not the JSON Asterisk sends: {0}")]
    NotAnEvent(String),
}

/// One ARI event, as far as calls need it; missing fields are empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AriEvent {
    #[serde(rename = "type")]
    kind: String,
    timestamp: Option<String>,
    channel: Option<AriChannel>,
    caller: Option<AriChannel>,
    peer: Option<AriChannel>,
    dialstatus: Option<String>,
    cause: Option<i64>,
}

/// ARI's `Channel` model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct AriChannel {
    id: String,
    name: String,
    state: String,
    caller: Party,
    connected: Party,
}

/// ARI's `CallerID` model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Party {
    name: String,
    number: String,
}

/// Turns ARI events into AMI messages, keeping each channel's call (`Linkedid`).
#[derive(Debug, Default)]
pub struct AriTranslator {
    /// Channel id → the id of the call it belongs to.
    linked: HashMap<String, String>,
    /// Channels already announced with a `Newchannel`.
    announced: HashSet<String>,
    /// State changes of channels not announced yet: (AMI timestamp, the channel then).
    held: HashMap<String, Vec<(Option<String>, AriChannel)>>,
}

impl AriTranslator {
    /// A translator that knows no channel yet.
    pub fn new() -> AriTranslator {
        AriTranslator::default()
    }

    /// The call (`Linkedid`) channel `id` belongs to; a channel never seen is its own call.
    pub fn linkedid_of(&self, id: &str) -> String {
        self.linked
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    /// After a reconnect: forgets channels not among `live` (ARI's `GET /channels`) and returns
    /// the calls still in progress, for [`CallMapper::resync`](super::CallMapper::resync).
    pub fn retain_live(&mut self, live: &HashSet<String>) -> HashSet<String> {
        self.linked.retain(|id, _| live.contains(id));
        self.announced.retain(|id| live.contains(id));
        self.held.retain(|id, _| live.contains(id));
        live.iter().map(|id| self.linkedid_of(id)).collect()
    }

    /// One WebSocket text message → the AMI messages it amounts to (often none: `ChannelVarset`,
    /// `DeviceStateChanged`... say nothing about calls).
    pub fn translate(&mut self, text: &str) -> Result<Vec<AmiMessage>, AriEventError> {
        let event: AriEvent =
            serde_json::from_str(text).map_err(|e| AriEventError::NotAnEvent(e.to_string()))?;
        let mut out = Vec::new();
        let timestamp = event.timestamp.as_deref().and_then(ami_timestamp);
        let stamp = |message: &mut AmiMessage| {
            if let Some(t) = &timestamp {
                message.push("Timestamp", t.clone());
            }
        };
        match event.kind.as_str() {
            "ChannelCreated" => {
                if let Some(channel) = event.channel.filter(|c| !c.id.is_empty()) {
                    self.linked
                        .entry(channel.id.clone())
                        .or_insert_with(|| channel.id.clone());
                }
            }
            "Dial" => {
                let Some(peer) = event.peer.filter(|p| !p.id.is_empty()) else {
                    return Ok(out);
                };
                let caller = event.caller.filter(|c| !c.id.is_empty());
                if let Some(caller) = &caller {
                    if !self.announced.contains(&peer.id) {
                        let call = self.linkedid_of(&caller.id);
                        self.linked.insert(peer.id.clone(), call);
                    }
                    out.extend(self.announce(caller));
                }
                out.extend(self.announce(&peer));
                let status = event.dialstatus.unwrap_or_default();
                // ARI reports progress (`RINGING`...) as a `Dial` too; AMI calls it `DialState`.
                let name = match status.as_str() {
                    "" => "DialBegin",
                    "RINGING" | "PROCEEDING" | "PROGRESS" => "DialState",
                    _ => "DialEnd",
                };
                let mut message = AmiMessage::new([("Event", name)]);
                stamp(&mut message);
                if let Some(caller) = &caller {
                    self.describe(&mut message, "", caller);
                }
                self.describe(&mut message, "Dest", &peer);
                if !status.is_empty() {
                    message.push("DialStatus", status);
                }
                out.push(message);
                for id in caller.iter().map(|c| &c.id).chain([&peer.id]) {
                    for (stamp, channel) in self.held.remove(id).unwrap_or_default() {
                        out.push(self.new_state(stamp, &channel));
                    }
                }
            }
            "ChannelStateChange" => {
                if let Some(channel) = event.channel.filter(|c| !c.id.is_empty()) {
                    if self.announced.contains(&channel.id) {
                        out.push(self.new_state(timestamp, &channel));
                    } else {
                        self.held
                            .entry(channel.id.clone())
                            .or_default()
                            .push((timestamp, channel));
                    }
                }
            }
            "ChannelEnteredBridge" => {
                if let Some(channel) = event.channel.filter(|c| !c.id.is_empty()) {
                    let mut message = AmiMessage::new([("Event", "BridgeEnter")]);
                    stamp(&mut message);
                    self.describe(&mut message, "", &channel);
                    out.push(message);
                }
            }
            "ChannelDestroyed" => {
                if let Some(channel) = event.channel.filter(|c| !c.id.is_empty()) {
                    if self.announced.remove(&channel.id) {
                        let mut message = AmiMessage::new([("Event", "Hangup")]);
                        stamp(&mut message);
                        self.describe(&mut message, "", &channel);
                        if let Some(cause) = event.cause {
                            message.push("Cause", cause.to_string());
                        }
                        out.push(message);
                    }
                    self.linked.remove(&channel.id);
                    self.held.remove(&channel.id);
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// A `Newstate` (`ChannelStateDesc` = ARI's `state`: `Ringing`, `Up`...).
    fn new_state(&self, stamp: Option<String>, channel: &AriChannel) -> AmiMessage {
        let mut message = AmiMessage::new([("Event", "Newstate")]);
        if let Some(t) = stamp {
            message.push("Timestamp", t);
        }
        self.describe(&mut message, "", channel);
        message.push("ChannelStateDesc", channel.state.clone());
        message
    }

    /// A `Newchannel` for a channel the mapper has not heard of yet.
    fn announce(&mut self, channel: &AriChannel) -> Option<AmiMessage> {
        if !self.announced.insert(channel.id.clone()) {
            return None;
        }
        let mut message = AmiMessage::new([("Event", "Newchannel")]);
        self.describe(&mut message, "", channel);
        Some(message)
    }

    /// AMI's channel fields, each name prefixed with `prefix` (`Dest` for a dial's peer).
    fn describe(&self, message: &mut AmiMessage, prefix: &str, channel: &AriChannel) {
        let fields = [
            ("Channel", channel.name.clone()),
            ("Uniqueid", channel.id.clone()),
            ("Linkedid", self.linkedid_of(&channel.id)),
            ("CallerIDNum", channel.caller.number.clone()),
            ("CallerIDName", channel.caller.name.clone()),
            ("ConnectedLineNum", channel.connected.number.clone()),
            ("ConnectedLineName", channel.connected.name.clone()),
        ];
        for (key, value) in fields {
            message.push(format!("{prefix}{key}"), value);
        }
    }
}

/// ARI's `2026-12-01T22:57:33.659+0000` → AMI's `Timestamp` (`1796165853.659000`).
fn ami_timestamp(text: &str) -> Option<String> {
    let at = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z").ok()?;
    Some(format!(
        "{}.{:06}",
        at.timestamp(),
        at.timestamp_subsec_micros()
    ))
}
