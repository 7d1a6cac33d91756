//! What Callpop asks of Asterisk: click-to-call, hang-up, Do-Not-Disturb, the endpoint list.
//! Each action opens its own short AMI session (without events) and closes it: actions are rare,
//! and a session per action can never be left half-read by an earlier one.

use callpop_core::{Employee, PhoneNumber};

use super::connection::{AmiConnection, AmiSettings};
use super::error::AsteriskError;
use super::frame::AmiMessage;

/// The dialplan context click-to-call enters on my phone's channel once I pick up (FreePBX:
/// `from-internal`).
pub const DEFAULT_CONTEXT: &str = "internal";

/// FreePBX's AstDB family for Do-Not-Disturb (`DND/{ext}`).
pub const ASTDB_DND_FAMILY: &str = "DND";
/// The value FreePBX writes for "on".
pub const ASTDB_DND_ON: &str = "YES";

/// How long my phone rings for a click-to-call before Asterisk gives up (ms).
pub(crate) const ORIGINATE_RING_MS: u64 = 30_000;

/// Asterisk's manager interface, for actions.
#[derive(Debug, Clone)]
pub struct AmiClient {
    settings: AmiSettings,
    context: String,
}

impl AmiClient {
    /// A client; `context` is where click-to-call dials the customer from ([`DEFAULT_CONTEXT`]).
    pub fn new(settings: AmiSettings, context: &str) -> AmiClient {
        AmiClient {
            settings,
            context: context.to_owned(),
        }
    }

    /// The connection settings.
    pub fn settings(&self) -> &AmiSettings {
        &self.settings
    }

    /// Logs in and out: proves the address, user and secret.
    pub async fn check(&self) -> Result<(), AsteriskError> {
        AmiConnection::open(&self.settings, false)
            .await?
            .logoff()
            .await;
        Ok(())
    }

    /// Click-to-call: rings `PJSIP/{me}` first; once I answer, my channel enters the dialplan at
    /// `{number}@{context}`, which dials the customer. Returns the call id: the `ChannelId` we give
    /// my channel, which becomes the call's `Linkedid`, so the events carry the same id.
    pub async fn originate(&self, me: &str, number: &PhoneNumber) -> Result<String, AsteriskError> {
        let dial = dialable(number);
        let call_id = format!("callpop-{:016x}", rand::random::<u64>());
        // CallerID shows my phone whom it is about to call.
        let caller_id = format!("\"{dial}\" <{dial}>");
        let channel = format!("PJSIP/{me}");
        let ring_ms = ORIGINATE_RING_MS.to_string();
        self.request(AmiMessage::new([
            ("Action", "Originate"),
            ("Channel", channel.as_str()),
            ("Context", self.context.as_str()),
            ("Exten", dial.as_str()),
            ("Priority", "1"),
            ("CallerID", caller_id.as_str()),
            ("Timeout", ring_ms.as_str()),
            ("Async", "true"),
            ("ChannelId", call_id.as_str()),
        ]))
        .await?;
        Ok(call_id)
    }

    /// Hangs up every channel of call `call_id` (its `Linkedid`).
    pub async fn hangup(&self, call_id: &str) -> Result<(), AsteriskError> {
        let mut session = AmiConnection::open(&self.settings, false).await?;
        let channels = session
            .request_list(AmiMessage::new([("Action", "CoreShowChannels")]))
            .await?;
        let names: Vec<String> = channels
            .iter()
            .filter(|c| c.get("Linkedid") == Some(call_id) || c.get("Uniqueid") == Some(call_id))
            .filter_map(|c| c.get("Channel").map(str::to_owned))
            .collect();
        if names.is_empty() {
            session.logoff().await;
            return Err(AsteriskError::ActionFailed {
                action: "Hangup".into(),
                message: format!("no call {call_id} in progress"),
            });
        }
        for name in names {
            // A channel may be gone already when its peer's hang-up took it along.
            match session
                .request(AmiMessage::new([
                    ("Action", "Hangup"),
                    ("Channel", name.as_str()),
                ]))
                .await
            {
                Ok(_) | Err(AsteriskError::ActionFailed { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        session.logoff().await;
        Ok(())
    }

    /// Do-Not-Disturb for `ext` as presence `CustomPresence:{ext}` (the state a hint
    /// `exten => 101,hint,PJSIP/101,CustomPresence:101` shows; the dialplan answers busy on `dnd`).
    pub async fn set_dnd(&self, ext: &str, on: bool) -> Result<(), AsteriskError> {
        let variable = format!("PRESENCE_STATE(CustomPresence:{ext})");
        let value = if on {
            "dnd,,Do not disturb"
        } else {
            "available"
        };
        self.request(AmiMessage::new([
            ("Action", "Setvar"),
            ("Variable", variable.as_str()),
            ("Value", value),
        ]))
        .await?;
        Ok(())
    }

    /// Whether `ext` is in Do-Not-Disturb, read back from its presence state.
    pub async fn dnd(&self, ext: &str) -> Result<bool, AsteriskError> {
        let provider = format!("CustomPresence:{ext}");
        let response = self
            .request(AmiMessage::new([
                ("Action", "PresenceState"),
                ("Provider", provider.as_str()),
            ]))
            .await?;
        let state = response
            .get("State")
            .ok_or_else(|| AsteriskError::Unexpected {
                action: "PresenceState".into(),
                detail: "no State in the response".into(),
            })?;
        Ok(state.eq_ignore_ascii_case("dnd"))
    }

    /// Do-Not-Disturb for `ext` the FreePBX way: AstDB key `DND/{ext}` = `YES` (`DBPut`), removed
    /// when off (`DBDel`; a key already gone is fine). FreePBX's dialplan answers busy while it
    /// is set; AstDB writes fire no AMI event, so nothing follows changes made elsewhere.
    pub async fn set_dnd_astdb(&self, ext: &str, on: bool) -> Result<(), AsteriskError> {
        let action = if on {
            AmiMessage::new([
                ("Action", "DBPut"),
                ("Family", ASTDB_DND_FAMILY),
                ("Key", ext),
                ("Val", ASTDB_DND_ON),
            ])
        } else {
            AmiMessage::new([
                ("Action", "DBDel"),
                ("Family", ASTDB_DND_FAMILY),
                ("Key", ext),
            ])
        };
        match self.request(action).await {
            Ok(_) => Ok(()),
            // Asterisk 22 answers a `DBDel` of a missing key "Database entry could not be
            // deleted": off is off if the key is gone, whatever the reason given.
            Err(error @ AsteriskError::ActionFailed { .. }) if !on => {
                match self.dnd_astdb(ext).await {
                    Ok(false) => Ok(()),
                    _ => Err(error),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Whether AstDB key `DND/{ext}` is `YES` (`DBGet`; a missing key is "off").
    pub async fn dnd_astdb(&self, ext: &str) -> Result<bool, AsteriskError> {
        let mut session = AmiConnection::open(&self.settings, false).await?;
        let answer = session
            .request_list(AmiMessage::new([
                ("Action", "DBGet"),
                ("Family", ASTDB_DND_FAMILY),
                ("Key", ext),
            ]))
            .await;
        session.logoff().await;
        match answer {
            Ok(items) => Ok(items
                .iter()
                .filter(|m| m.event() == Some("DBGetResponse"))
                .filter_map(|m| m.get("Val"))
                .any(|v| v.trim().eq_ignore_ascii_case(ASTDB_DND_ON))),
            Err(AsteriskError::ActionFailed { message, .. }) if message.contains("not found") => {
                Ok(false)
            }
            Err(other) => Err(other),
        }
    }

    /// The PJSIP endpoints, as employees: id and extension are the endpoint name. AMI's list
    /// carries no display name, so the name is the endpoint name too.
    pub async fn endpoints(&self) -> Result<Vec<Employee>, AsteriskError> {
        let mut session = AmiConnection::open(&self.settings, false).await?;
        let list = session
            .request_list(AmiMessage::new([("Action", "PJSIPShowEndpoints")]))
            .await;
        session.logoff().await;
        let list = match list {
            Ok(list) => list,
            // Asterisk answers an empty list with an error.
            Err(AsteriskError::ActionFailed { message, .. })
                if message.contains("No endpoints") =>
            {
                Vec::new()
            }
            Err(other) => return Err(other),
        };
        Ok(list
            .iter()
            .filter(|e| e.event() == Some("EndpointList"))
            .filter_map(|e| e.get("ObjectName"))
            .map(|name| Employee {
                id: name.to_owned(),
                name: name.to_owned(),
                ext: Some(name.to_owned()),
                email: None,
            })
            .collect())
    }

    async fn request(&self, action: AmiMessage) -> Result<AmiMessage, AsteriskError> {
        let mut session = AmiConnection::open(&self.settings, false).await?;
        let response = session.request(action).await;
        session.logoff().await;
        response
    }
}

/// What the dialplan gets as `EXTEN`: an outside number as its international digits without the
/// `+` (`+380302222222` → `380302222222`), which a `_X.` pattern matches; an extension as it is.
pub(crate) fn dialable(number: &PhoneNumber) -> String {
    match number {
        PhoneNumber::E164(e164) => e164.trim_start_matches('+').to_owned(),
        PhoneNumber::Extension(ext) => ext.clone(),
        PhoneNumber::Sip { user, .. } => user.clone(),
        PhoneNumber::Raw(raw) => raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .collect(),
    }
}
