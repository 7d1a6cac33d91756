//! Playing calls into the CRM (cloud-pbx.md 4): `contact`, then `event`s, then `history`, each a
//! form POST with `crm_token` to the configured CRM URL.
//!
//! The requests go out over a minimal HTTP/1.1 client (plain `http://`, one request per
//! connection): the simulator talks to local test receivers only.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{format_wire, now_secs, SimHistoryRow, SimState};

/// How long one delivery to the CRM may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A call the PBX plays into the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallScenario {
    /// A customer calls; every user in `users` rings (a group call when several), with one
    /// `callid`. `answered_by` picks up (the others get `CANCELLED`) and talks `talk_secs`;
    /// `None`: nobody answers and every leg is `CANCELLED`.
    Incoming {
        /// The customer's number, digits without `+` as the PBX sends it (`79101234567`).
        phone: String,
        /// Logins whose phones ring.
        users: Vec<String>,
        /// Who answers.
        answered_by: Option<String>,
        /// Seconds of ringing, for the history.
        ring_secs: i64,
        /// Seconds of conversation, for the history.
        talk_secs: i64,
        /// The department name sent as `groupRealName`, if any.
        group: Option<String>,
    },
    /// `user` calls `phone`; `answered`: the customer picks up and they talk `talk_secs`.
    Outgoing {
        /// Who calls.
        user: String,
        /// The number called.
        phone: String,
        /// Whether the customer answers.
        answered: bool,
        /// Seconds of conversation.
        talk_secs: i64,
    },
}

/// One request the simulator sent to the CRM, and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The form fields sent (`crm_token` included).
    pub fields: Vec<(String, String)>,
    /// The CRM's HTTP status.
    pub status: u16,
    /// The CRM's body.
    pub body: String,
}

impl Delivery {
    /// A field that was sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a scenario could not be played.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// No CRM URL is configured, or it is not `http://host:port/path`.
    #[error("the cloud PBX simulator has no usable CRM URL: {0}")]
    NoCrm(String),
    /// The scenario makes no sense (no users, an answering user who does not ring...).
    #[error("invalid scenario: {0}")]
    Invalid(String),
    /// The CRM could not be reached or answered garbage.
    #[error("delivering `{cmd}` to the CRM failed: {detail}")]
    Delivery {
        /// The `cmd` being delivered.
        cmd: String,
        /// What failed.
        detail: String,
    },
    /// The simulator stopped first.
    #[error("the simulator stopped")]
    Stopped,
}

pub(super) async fn run(
    state: &SimState,
    scenario: CallScenario,
) -> Result<Vec<Delivery>, PlayError> {
    let crm_url = state
        .config
        .crm_url
        .clone()
        .ok_or_else(|| PlayError::NoCrm("none configured".into()))?;
    let target = Target::parse(&crm_url)?;
    let callid = format!("{:020X}-{}", rand::random::<u64>(), now_secs() % 10_000);
    let start = now_secs();
    let token = state.config.crm_token.clone();
    let mut plan: Vec<Vec<(&str, String)>> = Vec::new();
    let base = |cmd: &str| {
        vec![
            ("cmd", cmd.to_owned()),
            ("crm_token", token.clone()),
            ("callid", callid.clone()),
        ]
    };
    let event = |kind: &str, phone: &str, user: &str, direction: &str, group: &Option<String>| {
        let mut fields = base("event");
        fields.extend([
            ("type", kind.to_owned()),
            ("phone", phone.to_owned()),
            ("user", user.to_owned()),
            ("direction", direction.to_owned()),
        ]);
        if let Some(group) = group {
            fields.push(("groupRealName", group.clone()));
        }
        fields
    };
    let row = match &scenario {
        CallScenario::Incoming {
            phone,
            users,
            answered_by,
            ring_secs,
            talk_secs,
            group,
        } => {
            if users.is_empty() {
                return Err(PlayError::Invalid("nobody to ring".into()));
            }
            if let Some(who) = answered_by {
                if !users.contains(who) {
                    return Err(PlayError::Invalid(format!(
                        "{who} answers but does not ring"
                    )));
                }
            }
            // cloud-pbx.md 4.3: the look-up comes when a new incoming call arrives.
            let mut contact = base("contact");
            contact.push(("phone", phone.clone()));
            plan.push(contact);
            for user in users {
                plan.push(event("INCOMING", phone, user, "in", group));
            }
            if let Some(who) = answered_by {
                plan.push(event("ACCEPTED", phone, who, "in", group));
            }
            // cloud-pbx.md 4.2: CANCELLED when "someone else answered", or nobody did.
            for user in users.iter().filter(|u| Some(*u) != answered_by.as_ref()) {
                plan.push(event("CANCELLED", phone, user, "in", group));
            }
            let account = answered_by.clone().unwrap_or_else(|| users[0].clone());
            if let Some(who) = answered_by {
                plan.push(event("COMPLETED", phone, who, "in", group));
            }
            let answered = answered_by.is_some();
            plan.push(history_fields(
                base("history"),
                "in",
                if answered { "Success" } else { "Missed" },
                phone,
                &account,
                start,
                if answered {
                    ring_secs + talk_secs
                } else {
                    *ring_secs
                },
                answered.then(|| format!("http://127.0.0.1/rec/{callid}.mp3")),
            ));
            SimHistoryRow {
                uid: callid.clone(),
                kind: if answered { "in" } else { "missed" }.into(),
                client: phone.clone(),
                account,
                via: String::new(),
                start,
                wait: *ring_secs,
                duration: if answered { *talk_secs } else { 0 },
                record: String::new(),
            }
        }
        CallScenario::Outgoing {
            user,
            phone,
            answered,
            talk_secs,
        } => {
            plan.push(event("OUTGOING", phone, user, "out", &None));
            if *answered {
                plan.push(event("ACCEPTED", phone, user, "out", &None));
                plan.push(event("COMPLETED", phone, user, "out", &None));
            } else {
                plan.push(event("CANCELLED", phone, user, "out", &None));
            }
            plan.push(history_fields(
                base("history"),
                "out",
                if *answered { "Success" } else { "NoAnswer" },
                phone,
                user,
                start,
                if *answered { *talk_secs } else { 0 },
                None,
            ));
            SimHistoryRow {
                uid: callid.clone(),
                kind: "out".into(),
                client: phone.clone(),
                account: user.clone(),
                via: String::new(),
                start,
                wait: 0,
                duration: if *answered { *talk_secs } else { 0 },
                record: String::new(),
            }
        }
    };
    let mut deliveries = Vec::new();
    for (step, fields) in plan.into_iter().enumerate() {
        if step > 0 && !state.config.pace.is_zero() {
            tokio::time::sleep(state.config.pace).await;
        }
        let fields: Vec<(String, String)> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let cmd = fields[0].1.clone();
        let (status, body) = tokio::time::timeout(DELIVERY_TIMEOUT, post_form(&target, &fields))
            .await
            .map_err(|_| PlayError::Delivery {
                cmd: cmd.clone(),
                detail: "no answer within 10 s".into(),
            })?
            .map_err(|detail| PlayError::Delivery { cmd, detail })?;
        deliveries.push(Delivery {
            fields,
            status,
            body,
        });
    }
    state.live().history.push(row);
    Ok(deliveries)
}

#[allow(clippy::too_many_arguments)]
fn history_fields(
    mut fields: Vec<(&'static str, String)>,
    kind: &str,
    status: &str,
    phone: &str,
    user: &str,
    start: i64,
    duration: i64,
    link: Option<String>,
) -> Vec<(&'static str, String)> {
    fields.extend([
        ("type", kind.to_owned()),
        ("status", status.to_owned()),
        ("phone", phone.to_owned()),
        ("user", user.to_owned()),
        ("start", format_wire(start)),
        ("duration", duration.to_string()),
    ]);
    if let Some(link) = link {
        fields.push(("link", link));
    }
    fields
}

/// Where the CRM listens.
struct Target {
    host: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, PlayError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| PlayError::NoCrm(format!("{url:?} is not an http:// URL")))?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if host.is_empty() {
            return Err(PlayError::NoCrm(format!("{url:?} has no host")));
        }
        Ok(Target {
            host: host.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// `application/x-www-form-urlencoded` value encoding.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

async fn post_form(target: &Target, fields: &[(String, String)]) -> Result<(u16, String), String> {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut stream = TcpStream::connect(&target.host)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", target.host))?;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        target.path,
        target.host,
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    parse_response(&answer)
}

/// Status and body of an HTTP/1.1 response read to its end.
fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer has no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or("the answer has no status line")?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        body = dechunk(&body).ok_or("the chunked body is broken")?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&raw[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_plain_and_chunked_are_read() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain), Ok((200, "{}".into())));
        let chunked = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Ok((401, "abcde".into())));
        assert!(parse_response(b"garbage").is_err());
    }

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(encode("a b&c=+d/é"), "a+b%26c%3D%2Bd%2F%C3%A9");
    }
}
