//! AMI events → [`CallEvent`]s: one call per `Linkedid`, however many channels (legs) it has.
//!
//! Asterisk reports a call as channels: an inbound call is the trunk's channel plus one channel
//! per phone it rings; a click-to-call (`Originate`) is my phone's channel, then the trunk's. All
//! of them share the `Linkedid` of the first, so that is the call id, and the [`CallMapper`]
//! reports only what my endpoint sees:
//!
//! | AMI | call |
//! |---|---|
//! | `DialBegin` to my endpoint (or `Newstate` `Ringing` on it) | ringing, in (customer = `CallerIDNum`) |
//! | `DialBegin` without a calling channel to my endpoint (`Originate`) | ringing, out (customer = `DestConnectedLineNum`) |
//! | `DialBegin` from my endpoint | ringing, out (customer = `DestCallerIDNum`) |
//! | `DialEnd` `ANSWER`, `BridgeEnter` of my channel | answered |
//! | `DialEnd` `NOANSWER` / `BUSY` / `CHANUNAVAIL` / `CONGESTION` to my endpoint | missed |
//! | `DialEnd` `CANCEL` to my endpoint (the caller gave up) | cancelled |
//! | `DialEnd` other than `ANSWER` on my outgoing leg (the customer did not answer) | cancelled |
//! | `Hangup` of my channel or of the call's last channel | ended if answered, else cancelled |
//!
//! `BUSY` counts as missed: my phone refused a customer who then needs a call-back (a busy
//! *customer* on my outgoing call is cancelled, as nobody needs to call me back). Every other
//! event (`VarSet`, `Newexten`, the Debian build's `TestEvent`...) is ignored.

use std::collections::{HashMap, HashSet};

use callpop_core::{CallEvent, CallState, ContactInfo, Direction, PhoneNumber};
use chrono::{DateTime, TimeZone, Utc};

use super::frame::AmiMessage;
use super::PROVIDER;

/// Folds AMI events into call events for one endpoint ("me").
#[derive(Debug)]
pub struct CallMapper {
    me: Option<String>,
    region: String,
    calls: HashMap<String, CallProgress>,
}

/// What is known of one `Linkedid`.
#[derive(Debug, Default)]
struct CallProgress {
    /// Channels (`Uniqueid`s) not hung up yet.
    channels: HashSet<String>,
    /// My endpoint's channels in this call.
    my_channels: HashSet<String>,
    direction: Option<Direction>,
    customer: Option<String>,
    customer_name: Option<String>,
    employee: Option<String>,
    employee_name: Option<String>,
    /// The last state reported; `None` while my endpoint is not involved.
    state: Option<CallState>,
}

impl CallMapper {
    /// A mapper for my endpoint `me` (`101` for `PJSIP/101`); `None`: every endpoint named like an
    /// extension (one to five digits). `region` parses numbers without a country code.
    pub fn new(me: Option<&str>, region: &str) -> CallMapper {
        CallMapper {
            me: me.map(str::to_owned),
            region: region.to_owned(),
            calls: HashMap::new(),
        }
    }

    /// How many calls are being followed (live channels known).
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    /// Folds one AMI message in; returns the call event it makes, if any. `received` is used when
    /// the event carries no `Timestamp` (manager.conf `timestampevents`).
    pub fn handle(&mut self, message: &AmiMessage, received: DateTime<Utc>) -> Option<CallEvent> {
        let at = event_time(message).unwrap_or(received);
        match message.event()? {
            "Newchannel" => {
                let (linkedid, uniqueid) =
                    (field(message, "Linkedid")?, field(message, "Uniqueid")?);
                self.calls
                    .entry(linkedid.to_owned())
                    .or_default()
                    .channels
                    .insert(uniqueid.to_owned());
                None
            }
            "DialBegin" => self.dial_begin(message, at),
            "DialEnd" => self.dial_end(message, at),
            "Newstate" => {
                if field(message, "ChannelStateDesc") != Some("Ringing") {
                    return None;
                }
                let channel = field(message, "Channel")?;
                let employee = self.my_endpoint(channel)?;
                let call = self.call_of(message)?;
                call.my_channels
                    .extend(field(message, "Uniqueid").map(str::to_owned));
                if call.state.is_some() {
                    return None;
                }
                // My phone rings. Its channel starting the linked call (Uniqueid = Linkedid)
                // means nobody dialed in: an Originate (click-to-call) rings me first. Seen
                // before Originate's DialBegin as often as after, so decided here too.
                let uniqueid = field(message, "Uniqueid");
                let originated_here = uniqueid.is_some() && uniqueid == field(message, "Linkedid");
                call.direction.get_or_insert(if originated_here {
                    Direction::Out
                } else {
                    Direction::In
                });
                fill(&mut call.customer, field(message, "ConnectedLineNum"));
                fill(&mut call.customer_name, field(message, "ConnectedLineName"));
                call.employee = Some(employee);
                self.emit(message, CallState::Ringing, at)
            }
            "BridgeEnter" => {
                let channel = field(message, "Channel")?;
                self.my_endpoint(channel)?;
                let call = self.call_of(message)?;
                if call.state != Some(CallState::Ringing) {
                    return None;
                }
                self.emit(message, CallState::Answered, at)
            }
            "Hangup" => self.hangup(message, at),
            _ => None,
        }
    }

    /// After a reconnect: every followed call whose `Linkedid` is not among `live` (from
    /// `CoreShowChannels`) ended while we could not see it (Asterisk restarted).
    pub fn resync(&mut self, live: &HashSet<String>, at: DateTime<Utc>) -> Vec<CallEvent> {
        let gone: Vec<String> = self
            .calls
            .keys()
            .filter(|id| !live.contains(*id))
            .cloned()
            .collect();
        let mut events = Vec::new();
        for id in gone {
            if let Some(mut call) = self.calls.remove(&id) {
                if let Some(state) = call.state.filter(|s| !s.is_final()) {
                    let last = if state == CallState::Answered {
                        CallState::Ended
                    } else {
                        CallState::Cancelled
                    };
                    call.state = Some(last);
                    events.push(self.event_of(&id, &call, last, at));
                }
            }
        }
        events
    }

    fn dial_begin(&mut self, message: &AmiMessage, at: DateTime<Utc>) -> Option<CallEvent> {
        let caller_channel = field(message, "Channel");
        let dest_channel = field(message, "DestChannel")?;
        if let Some(employee) = self.my_endpoint(dest_channel) {
            let originated = caller_channel.is_none();
            let dest_employee_name = field(message, "DestCallerIDName");
            let call = self.call_of(message)?;
            call.my_channels
                .extend(field(message, "DestUniqueid").map(str::to_owned));
            if originated {
                // Originate: my phone rings first; the number being called is what the action
                // put in CallerID, which Asterisk shows as the connected line.
                call.direction = Some(Direction::Out);
                fill(&mut call.customer, field(message, "DestConnectedLineNum"));
            } else {
                let number = field(message, "CallerIDNum");
                let internal = number.is_some_and(|n| {
                    matches!(PhoneNumber::parse(n, "ZZ"), PhoneNumber::Extension(_))
                });
                call.direction.get_or_insert(if internal {
                    Direction::Internal
                } else {
                    Direction::In
                });
                fill(&mut call.customer, number);
                fill(&mut call.customer_name, field(message, "CallerIDName"));
                fill(&mut call.employee_name, dest_employee_name);
            }
            call.employee = Some(employee);
            if call.state.is_some() {
                return None;
            }
            return self.emit(message, CallState::Ringing, at);
        }
        let employee = self.my_endpoint(caller_channel?)?;
        let call = self.call_of(message)?;
        call.my_channels
            .extend(field(message, "Uniqueid").map(str::to_owned));
        call.direction.get_or_insert(Direction::Out);
        fill(&mut call.customer, field(message, "DestCallerIDNum"));
        call.employee = Some(employee);
        // An originated call reaching the customer is still the one ringing call.
        match call.state {
            None => self.emit(message, CallState::Ringing, at),
            Some(_) => None,
        }
    }

    fn dial_end(&mut self, message: &AmiMessage, at: DateTime<Utc>) -> Option<CallEvent> {
        let status = field(message, "DialStatus")?;
        let caller_channel = field(message, "Channel");
        let dest_channel = field(message, "DestChannel")?;
        let to_me = self.my_endpoint(dest_channel).is_some();
        let from_me = caller_channel.is_some_and(|c| self.my_endpoint(c).is_some());
        if !to_me && !from_me {
            return None;
        }
        let call = self.call_of(message)?;
        if call.state != Some(CallState::Ringing) {
            return None;
        }
        let state = match (to_me, caller_channel.is_some(), status) {
            // I picked up my phone for a click-to-call: the customer is dialled next.
            (true, false, "ANSWER") => return None,
            (true, false, _) => CallState::Cancelled,
            (_, _, "ANSWER") => CallState::Answered,
            (true, true, "NOANSWER" | "BUSY" | "CHANUNAVAIL" | "CONGESTION") => CallState::Missed,
            (true, true, "CANCEL") => CallState::Cancelled,
            (false, true, "NOANSWER" | "BUSY" | "CHANUNAVAIL" | "CONGESTION" | "CANCEL") => {
                CallState::Cancelled
            }
            // CONTINUE, GOTO, RINGING...: not the end of this leg.
            _ => return None,
        };
        self.emit(message, state, at)
    }

    fn hangup(&mut self, message: &AmiMessage, at: DateTime<Utc>) -> Option<CallEvent> {
        let linkedid = field(message, "Linkedid")?.to_owned();
        let uniqueid = field(message, "Uniqueid").unwrap_or_default();
        let call = self.calls.get_mut(&linkedid)?;
        call.channels.remove(uniqueid);
        let mine = call.my_channels.contains(uniqueid);
        let last = call.channels.is_empty();
        let event = match call.state {
            Some(state) if !state.is_final() && (mine || last) => {
                let end = if state == CallState::Answered {
                    CallState::Ended
                } else {
                    CallState::Cancelled
                };
                self.emit(message, end, at)
            }
            _ => None,
        };
        if last {
            self.calls.remove(&linkedid);
        }
        event
    }

    /// The call a message belongs to (its `Linkedid`, or `DestLinkedid` for an originate).
    fn call_of(&mut self, message: &AmiMessage) -> Option<&mut CallProgress> {
        let id = linkedid(message)?;
        Some(self.calls.entry(id.to_owned()).or_default())
    }

    /// Records `state` for the message's call and builds its event.
    fn emit(
        &mut self,
        message: &AmiMessage,
        state: CallState,
        at: DateTime<Utc>,
    ) -> Option<CallEvent> {
        let id = linkedid(message)?.to_owned();
        let call = self.calls.get_mut(&id)?;
        call.state = Some(state);
        let call = self.calls.get(&id)?;
        Some(self.event_of(&id, call, state, at))
    }

    fn event_of(
        &self,
        id: &str,
        call: &CallProgress,
        state: CallState,
        at: DateTime<Utc>,
    ) -> CallEvent {
        let pbx_contact = call
            .customer_name
            .as_ref()
            .filter(|name| Some(*name) != call.customer.as_ref())
            .map(|name| ContactInfo {
                name: Some(name.clone()),
                ..ContactInfo::default()
            });
        CallEvent {
            provider: PROVIDER.to_owned(),
            call_id: id.to_owned(),
            parent_id: None,
            state,
            direction: call.direction.unwrap_or(Direction::In),
            customer: call
                .customer
                .as_deref()
                .map(|n| PhoneNumber::parse(n, &self.region)),
            employee: call.employee.clone(),
            employee_name: call.employee_name.clone(),
            at,
            on_hold: false,
            pbx_contact,
        }
    }

    /// My endpoint's name when `channel` (`PJSIP/101-0000000a`) is one of mine.
    fn my_endpoint(&self, channel: &str) -> Option<String> {
        let endpoint = endpoint_of(channel)?;
        let mine = match &self.me {
            Some(me) => endpoint == me,
            None => {
                !endpoint.is_empty()
                    && endpoint.len() <= 5
                    && endpoint.bytes().all(|b| b.is_ascii_digit())
            }
        };
        mine.then(|| endpoint.to_owned())
    }
}

/// The endpoint a channel name belongs to: `PJSIP/101-0000000a` → `101`,
/// `Local/101@from-queue-00000001;1` → `101`, `SIP/office-7-0000002b` → `office-7`.
pub fn endpoint_of(channel: &str) -> Option<&str> {
    let (_tech, resource) = channel.split_once('/')?;
    let resource = resource.split(';').next().unwrap_or(resource);
    if let Some((user, _context)) = resource.split_once('@') {
        return Some(user);
    }
    match resource.rsplit_once('-') {
        Some((endpoint, suffix))
            if !endpoint.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Some(endpoint)
        }
        _ => Some(resource),
    }
}

/// Whether Do-Not-Disturb of `ext` changed with this event (`PresenceStateChange` of
/// `CustomPresence:EXT`, or FreePBX's `DND/EXT` AstDB key written through AMI): `Some(on)`.
pub fn dnd_change(message: &AmiMessage, ext: &str) -> Option<bool> {
    match message.event()? {
        "PresenceStateChange" => {
            let presentity = field(message, "Presentity")?;
            let (provider, who) = presentity.split_once(':')?;
            if !provider.eq_ignore_ascii_case("CustomPresence") || who != ext {
                return None;
            }
            Some(field(message, "Status")?.eq_ignore_ascii_case("dnd"))
        }
        _ => None,
    }
}

/// A field's value, with Asterisk's placeholders for "nothing" (`<unknown>`, empty) as `None`.
fn field<'a>(message: &'a AmiMessage, key: &str) -> Option<&'a str> {
    message
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "<unknown>")
}

fn linkedid(message: &AmiMessage) -> Option<&str> {
    field(message, "Linkedid").or_else(|| field(message, "DestLinkedid"))
}

fn fill(slot: &mut Option<String>, value: Option<&str>) {
    if slot.is_none() {
        *slot = value.map(str::to_owned);
    }
}

/// `Timestamp: 1714554000.123456` (manager.conf `timestampevents = yes`).
fn event_time(message: &AmiMessage) -> Option<DateTime<Utc>> {
    let text = field(message, "Timestamp")?;
    let (secs, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let secs: i64 = secs.parse().ok()?;
    let digits: String = fraction.chars().take(9).collect();
    let nanos: u32 = format!("{digits:0<9}").parse().ok()?;
    Utc.timestamp_opt(secs, nanos).single()
}
