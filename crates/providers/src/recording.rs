//! A call's recording, fetched for the app to play: the bytes and what kind of audio they are.
//!
//! Vega's recordings need the session cookie (its client fetches them, `vega::client`); the
//! other providers' history gives a link that is fetched as it is ([`fetch_plain`]). Either way
//! the body is read with a cap ([`MAX_RECORDING_BYTES`]), counting what actually arrives rather
//! than trusting `Content-Length`, and within the account's timeout.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, Url};

/// The largest recording fetched: hours of MP3, a long call in WAV. Bigger ones are refused with
/// a message that says to download them from the PBX instead.
pub const MAX_RECORDING_BYTES: usize = 50 * 1024 * 1024;

/// A recording ready to play.
#[derive(Clone, PartialEq, Eq)]
pub struct Recording {
    /// Its MIME type (`audio/wav`, `audio/mpeg`...): the server's, else guessed from the bytes
    /// and the link; `application/octet-stream` when neither tells.
    pub content_type: String,
    /// The audio file, whole.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Recording {
    // Megabytes of audio help nobody reading a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Why a recording link could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The link is not an http(s) URL.
    #[error("the recording link {0:?} is not an http(s) address")]
    BadLink(String),
    /// The server said no (`404`: it no longer has the recording).
    #[error("the recording at {link} could not be fetched: HTTP {status}")]
    Http {
        /// The link, without its query (it may carry a key).
        link: String,
        /// The server's status.
        status: u16,
    },
    /// The recording is larger than [`MAX_RECORDING_BYTES`].
    #[error(
        "the recording at {link} is larger than {} MiB; download it from the PBX instead",
        limit / (1024 * 1024)
    )]
    TooLarge {
        /// The link, without its query.
        link: String,
        /// The cap.
        limit: usize,
    },
    /// No answer within the timeout.
    #[error("the recording at {link} did not arrive within {} s", timeout.as_secs_f64())]
    Timeout {
        /// The link, without its query.
        link: String,
        /// The timeout in force.
        timeout: Duration,
    },
    /// The connection failed.
    #[error("cannot fetch the recording at {link}: {detail}")]
    Network {
        /// The link, without its query.
        link: String,
        /// What failed.
        detail: String,
    },
}

/// Fetches `link` with a plain `GET` (no credentials), within `timeout`, at most
/// [`MAX_RECORDING_BYTES`].
pub async fn fetch_plain(link: &str, timeout: Duration) -> Result<Recording, RecordingError> {
    let url = Url::parse(link.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
        .ok_or_else(|| RecordingError::BadLink(shown(link.trim())))?;
    let shown_link = shown(url.as_str());
    let transport = |error: reqwest::Error| {
        if error.is_timeout() {
            RecordingError::Timeout {
                link: shown_link.clone(),
                timeout,
            }
        } else {
            RecordingError::Network {
                link: shown_link.clone(),
                detail: error.without_url().to_string(),
            }
        }
    };
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("callpop/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(transport)?;
    let response = http.get(url.clone()).send().await.map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(RecordingError::Http {
            link: shown_link.clone(),
            status: status.as_u16(),
        });
    }
    let header = content_type_of(&response);
    let bytes = match read_capped(response, MAX_RECORDING_BYTES).await {
        Ok(bytes) => bytes,
        Err(CappedReadError::TooLarge) => {
            return Err(RecordingError::TooLarge {
                link: shown_link.clone(),
                limit: MAX_RECORDING_BYTES,
            })
        }
        Err(CappedReadError::Transport(error)) => return Err(transport(error)),
    };
    Ok(Recording {
        content_type: audio_type(header.as_deref(), url.path(), &bytes),
        bytes,
    })
}

/// The recording link a history record carries, if any (blank counts as none).
pub(crate) fn link_of(call: &callpop_core::CallRecord) -> Option<&str> {
    call.recording
        .as_deref()
        .map(str::trim)
        .filter(|link| !link.is_empty())
}

/// The recording behind a history record's plain link (the cloud PBX, Telediscount, Asterisk:
/// a `GET` of the link as it is), within `timeout`; "unsupported" for `provider` when the call
/// has no recording.
pub(crate) async fn from_history_link(
    call: &callpop_core::CallRecord,
    timeout: Duration,
    provider: &str,
) -> Result<Recording, crate::account::ProviderError> {
    let link = link_of(call).ok_or_else(|| {
        crate::account::ProviderError::unsupported(provider, "a recording of this call")
    })?;
    Ok(fetch_plain(link, timeout.max(Duration::from_millis(1))).await?)
}

/// A recording from bytes a provider's own API returned (MCN's `call_log/record`), typed as
/// [`fetch_plain`] types what it fetches.
pub(crate) fn from_bytes(header: Option<&str>, path: &str, bytes: Vec<u8>) -> Recording {
    Recording {
        content_type: audio_type(header, path, &bytes),
        bytes,
    }
}

/// Why [`read_capped`] stopped.
#[derive(Debug)]
pub(crate) enum CappedReadError {
    /// More than the cap arrived (or was announced).
    TooLarge,
    /// The connection failed or timed out mid-body.
    Transport(reqwest::Error),
}

/// The whole body, refused as soon as it is announced or found to be over `limit` bytes.
pub(crate) async fn read_capped(
    mut response: Response,
    limit: usize,
) -> Result<Vec<u8>, CappedReadError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(CappedReadError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(CappedReadError::Transport)? {
        if bytes.len() + chunk.len() > limit {
            return Err(CappedReadError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The `Content-Type` header, without parameters, if it says anything.
pub(crate) fn content_type_of(response: &Response) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty())
}

/// What the audio is: the server's type when it names one; else the file's own signature (WAV's
/// `RIFF`, MP3's `ID3` or frame sync), else the link's extension (vega.md B.5: "wav or mp3").
pub(crate) fn audio_type(header: Option<&str>, path: &str, bytes: &[u8]) -> String {
    if let Some(header) = header.filter(|h| *h != "application/octet-stream") {
        return header.to_owned();
    }
    let path = path.to_ascii_lowercase();
    let guess = if bytes.starts_with(b"RIFF") {
        "audio/wav"
    } else if bytes.starts_with(b"ID3") || bytes.starts_with(&[0xFF, 0xFB]) {
        "audio/mpeg"
    } else if bytes.starts_with(b"OggS") {
        "audio/ogg"
    } else if path.ends_with(".wav") {
        "audio/wav"
    } else if path.ends_with(".mp3") {
        "audio/mpeg"
    } else {
        "application/octet-stream"
    };
    guess.to_owned()
}

/// A link as an error may show it: no query or fragment (they may carry a key), at most 200
/// characters.
fn shown(link: &str) -> String {
    let bare = link.split(['?', '#']).next().unwrap_or_default();
    bare.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_header_then_the_bytes_then_the_link() {
        assert_eq!(
            audio_type(Some("audio/mpeg"), "/x.wav", b"RIFF"),
            "audio/mpeg"
        );
        assert_eq!(
            audio_type(Some("application/octet-stream"), "/x", b"RIFF...."),
            "audio/wav"
        );
        assert_eq!(audio_type(None, "/x", b"ID3\x04"), "audio/mpeg");
        assert_eq!(audio_type(None, "/rec/1.MP3", b"??"), "audio/mpeg");
        assert_eq!(audio_type(None, "/rec/1", b""), "application/octet-stream");
    }

    #[test]
    fn links_in_errors_lose_their_query() {
        assert_eq!(
            shown("https://pbx.example/rec.mp3?key=secret#t"),
            "https://pbx.example/rec.mp3"
        );
    }

    #[tokio::test]
    async fn a_link_that_is_no_http_address_is_refused_unsent() {
        for bad in ["", "ftp://x/rec.wav", "rec.wav", "file:///etc/passwd"] {
            assert!(
                matches!(
                    fetch_plain(bad, Duration::from_secs(1)).await,
                    Err(RecordingError::BadLink(_))
                ),
                "{bad:?}"
            );
        }
    }
}
