//! Quoting a server's answer in an error without leaking the secret that was sent to it: every
//! provider's errors cut quoted answers short and scrub the API key or token out of them.

/// How many characters of a server's answer an error quotes.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// At most [`EXCERPT_CHARS`] characters of `text`, trimmed, with `secret` (when not empty)
/// replaced; `…` marks a cut.
pub(crate) fn excerpt(text: &str, secret: &str) -> String {
    let scrubbed = scrub(text.trim(), secret);
    let mut chars = scrubbed.chars();
    let short: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

/// `text` with every occurrence of `secret` replaced by `***`.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_never_show_the_secret() {
        let body = format!("bad key sk-123-secret {}", "x".repeat(500));
        let short = excerpt(&body, "sk-123-secret");
        assert!(!short.contains("sk-123-secret"));
        assert!(short.starts_with("bad key ***"));
        assert_eq!(short.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn short_answers_are_only_trimmed() {
        assert_eq!(excerpt("  short  ", ""), "short");
        assert_eq!(excerpt("  short  ", "k-1"), "short");
    }

    #[test]
    fn excerpts_cut_between_characters_not_bytes() {
        let body = "ї".repeat(300);
        assert_eq!(excerpt(&body, "k").chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn an_empty_secret_scrubs_nothing() {
        assert_eq!(scrub("a b", ""), "a b");
        assert_eq!(scrub("a tok b tok", "tok"), "a *** b ***");
    }
}
