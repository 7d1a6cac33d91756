//! The AMI wire format: `Key: Value` lines, CRLF-terminated, one blank line ending a message.
//!
//! AMI is not a map: one event may repeat a key (`ChanVariable`, several `Variable`s), so a
//! [`AmiMessage`] keeps every field in order. Keys compare case-insensitively (Asterisk's own
//! parser does). Text that is not UTF-8 is decoded lossily: a caller name in Latin-1 must not
//! stop the event stream.

use std::collections::VecDeque;

/// The longest line we accept. Asterisk's own limit is 1024 bytes per header line; a much longer
/// line means we are not talking to AMI.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// The most fields one message may carry before we call it garbage.
pub const MAX_FIELDS: usize = 512;

/// What the AMI byte stream broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A line grew past [`MAX_LINE_BYTES`] without an end.
    #[error("an AMI line is longer than {MAX_LINE_BYTES} bytes: the peer is not an Asterisk manager interface")]
    LineTooLong,
    /// A message carried more than [`MAX_FIELDS`] fields.
    #[error("an AMI message has more than {MAX_FIELDS} fields: the peer is not an Asterisk manager interface")]
    TooManyFields,
    /// An action's key or value holds a line break (it would inject a second header).
    #[error("the AMI field `{0}` contains a line break")]
    LineBreakInField(String),
}

/// One AMI message (an event, a response, or an action we send), fields in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmiMessage {
    fields: Vec<(String, String)>,
}

impl AmiMessage {
    /// A message with these fields, in this order.
    pub fn new<K: Into<String>, V: Into<String>>(
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> AmiMessage {
        AmiMessage {
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Adds a field at the end (a repeated key is kept, not replaced).
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.fields.push((key.into(), value.into()));
    }

    /// The first value of `key` (any case).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` (any case), in wire order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every field, in wire order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The `Event` name, for an event.
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// The `Response` value (`Success`, `Error`, `Goodbye`...), for a response.
    pub fn response(&self) -> Option<&str> {
        self.get("Response")
    }

    /// The `ActionID` the message answers, if any.
    pub fn action_id(&self) -> Option<&str> {
        self.get("ActionID")
    }

    /// The wire form of this message as an action: `Key: Value\r\n`… then `\r\n`.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let mut out = Vec::new();
        for (key, value) in &self.fields {
            if key.contains(['\r', '\n']) || value.contains(['\r', '\n']) {
                return Err(FrameError::LineBreakInField(key.clone()));
            }
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }
}

/// Turns an AMI byte stream, fed in pieces of any size, into messages.
///
/// The first line Asterisk sends is the banner (`Asterisk Call Manager/9.0.0`), which has no blank
/// line after it; [`AmiDecoder::banner`] returns it once read.
#[derive(Debug, Default)]
pub struct AmiDecoder {
    pending: Vec<u8>,
    banner: Option<String>,
    current: AmiMessage,
    ready: VecDeque<AmiMessage>,
    expect_banner: bool,
}

impl AmiDecoder {
    /// A decoder for a fresh connection: the first line is the banner.
    pub fn new() -> AmiDecoder {
        AmiDecoder {
            expect_banner: true,
            ..AmiDecoder::default()
        }
    }

    /// A decoder for a stream without a banner (a recorded transcript of messages).
    pub fn without_banner() -> AmiDecoder {
        AmiDecoder::default()
    }

    /// The banner, once received.
    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    /// Feeds bytes as they came off the socket.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(offset) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let end = start + offset;
            let line = String::from_utf8_lossy(&self.pending[start..end]).into_owned();
            start = end + 1;
            self.line(line.trim_end_matches('\r'))?;
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_LINE_BYTES {
            self.pending.clear();
            return Err(FrameError::LineTooLong);
        }
        Ok(())
    }

    /// The next complete message, if one has arrived.
    pub fn next_message(&mut self) -> Option<AmiMessage> {
        self.ready.pop_front()
    }

    fn line(&mut self, line: &str) -> Result<(), FrameError> {
        if self.expect_banner {
            self.expect_banner = false;
            if !line.contains(':') || line.starts_with("Asterisk Call Manager") {
                self.banner = Some(line.to_owned());
                return Ok(());
            }
        }
        if line.is_empty() {
            if !self.current.fields.is_empty() {
                self.ready.push_back(std::mem::take(&mut self.current));
            }
            return Ok(());
        }
        if self.current.fields.len() >= MAX_FIELDS {
            self.current = AmiMessage::default();
            return Err(FrameError::TooManyFields);
        }
        // `Key: Value`; a line without a colon (old `Command` output) is kept whole as a key with
        // an empty value rather than dropped.
        let (key, value) = match line.split_once(':') {
            Some((key, value)) => (key.trim(), value.strip_prefix(' ').unwrap_or(value)),
            None => (line.trim(), ""),
        };
        self.current.push(key, value.trim_end());
        Ok(())
    }
}

/// Every message in a complete transcript (no banner), e.g. a recorded fixture.
pub fn parse_transcript(bytes: &[u8]) -> Result<Vec<AmiMessage>, FrameError> {
    let mut decoder = AmiDecoder::without_banner();
    decoder.push(bytes)?;
    decoder.push(b"\r\n\r\n")?;
    Ok(std::iter::from_fn(|| decoder.next_message()).collect())
}
