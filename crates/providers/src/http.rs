//! What the HTTP clients of Vega, the cloud PBX, Telediscount, MCN and the Autodialer set up and read
//! the same way: the base URL checked, a client that never waits forever nor follows a
//! redirect, and a transport failure told without the URL (it may carry the key).

use std::time::Duration;

use reqwest::{Response, Url};

use crate::recording::{read_capped, CappedReadError};

/// `url` parsed, when it is an http(s) address with a host; else what is wrong with it, naming
/// it as `shown` (e.g. `"https://x"` or `base_url "https://x"`).
pub(crate) fn http_url(url: &str, shown: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|error| format!("{shown} is not a URL ({error})"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || parsed.cannot_be_a_base()
    {
        return Err(format!("{shown} is not an http(s) address with a host"));
    }
    Ok(parsed)
}

/// A client whose every request (connecting included) gives up after `timeout`, and which
/// reports a redirect instead of following it: a wrong PBX name answers `301`, and following it
/// would send the key elsewhere.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    if timeout.is_zero() {
        return Err("the timeout is zero".into());
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())
}

/// What a failed request says with all its causes, on one line, without the URL (a `GET`'s
/// query or the path may carry the key). The caller still scrubs the key out of it.
pub(crate) fn transport_detail(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    detail
}

/// The `Content-Type` a response names (lowercase, parameters kept; empty when it names none)
/// and its whole body, refused as soon as it is announced or found to be over `limit` bytes.
pub(crate) async fn read_answer(
    response: Response,
    limit: usize,
) -> Result<(String, Vec<u8>), CappedReadError> {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = read_capped(response, limit).await?;
    Ok((content_type, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_addresses_with_a_host_are_taken() {
        assert!(http_url("https://pbx.example/api", "x").is_ok());
        assert_eq!(
            http_url("ftp://pbx.example", "\"ftp://pbx.example\"").unwrap_err(),
            "\"ftp://pbx.example\" is not an http(s) address with a host"
        );
        assert!(http_url("pbx.example", "x")
            .unwrap_err()
            .starts_with("x is not a URL ("));
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        assert_eq!(client(Duration::ZERO).unwrap_err(), "the timeout is zero");
        assert!(client(Duration::from_secs(1)).is_ok());
    }
}
