//! Quoting a server's answer in an error without leaking the secret that was sent to it: every
//! provider's errors cut quoted answers short and scrub the API key or token out of them.

/// How many characters of a server's answer an error quotes.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// How many characters of a web page's text an error quotes: a headline, not the page.
const PAGE_REASON_CHARS: usize = 100;

/// How much of a web page the log keeps.
const LOGGED_PAGE_CHARS: usize = 4000;

/// At most [`EXCERPT_CHARS`] characters of `text`, trimmed, with `secret` (when not empty)
/// replaced; `…` marks a cut. A web page (a proxy's or an application server's error page, a
/// maintenance page) is told by its title or first heading in plain text: a message the user
/// reads never ends in markup. The page itself, scrubbed, goes to the log.
pub(crate) fn excerpt(text: &str, secret: &str) -> String {
    let scrubbed = scrub(text.trim(), secret);
    if is_web_page(&scrubbed) {
        tracing::warn!(
            page = %cut(&scrubbed, LOGGED_PAGE_CHARS),
            "the server answered with a web page"
        );
        return cut(&page_reason(&scrubbed), PAGE_REASON_CHARS);
    }
    cut(&scrubbed, EXCERPT_CHARS)
}

/// At most `limit` characters of `text`, `…` marking a cut.
fn cut(text: &str, limit: usize) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(limit).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

/// True for an HTML or XHTML document (or fragment) rather than JSON or plain words.
fn is_web_page(text: &str) -> bool {
    let start: String = text
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || (start.starts_with("<?xml") && start.contains("<html"))
        || (start.starts_with('<')
            && ["<head", "<body", "<title", "<h1", "<p>", "<div"]
                .iter()
                .any(|tag| start.contains(tag)))
}

/// What a web page says in one line: its `<title>`, else its first `<h1>`, else its text.
fn page_reason(page: &str) -> String {
    let reason = element_text(page, "title")
        .or_else(|| element_text(page, "h1"))
        .unwrap_or_else(|| plain_text(page));
    if reason.is_empty() {
        "a web page with no text".to_owned()
    } else {
        reason
    }
}

/// The text of the first `<name …>…</name>` element of `page`, when it has any.
fn element_text(page: &str, name: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    let open = lower.find(&format!("<{name}"))?;
    let content_start = open + lower[open..].find('>')? + 1;
    let content_end = content_start + lower[content_start..].find(&format!("</{name}"))?;
    let text = plain_text(&page[content_start..content_end]);
    (!text.is_empty()).then_some(text)
}

/// `markup` without its tags, scripts and styles, its common entities decoded, its white space
/// folded to single spaces.
fn plain_text(markup: &str) -> String {
    let mut text = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let tag = &rest[open..];
        let lower_start: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        let skipped_to = ["script", "style"]
            .iter()
            .find(|name| lower_start.starts_with(&format!("<{name}")))
            .and_then(|name| {
                let closing = format!("</{name}");
                tag.to_ascii_lowercase()
                    .find(&closing)
                    .map(|at| at + closing.len())
            })
            .unwrap_or(0);
        match tag[skipped_to..].find('>') {
            Some(close) => rest = &tag[skipped_to + close + 1..],
            None => {
                rest = "";
            }
        }
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&ndash;", "–")
        .replace("&mdash;", "—")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
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

    /// What Tomcat answers when the application behind it fails.
    const TOMCAT_500: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 \u{2013} Internal Server Error</title><style type=\"text/css\">body {font-family:Tahoma,Arial,sans-serif;} h1 {font-size:22px;}</style></head><body><h1>HTTP Status 500 \u{2013} Internal Server Error</h1><hr class=\"line\" /><p><b>Type</b> Exception Report</p><p><b>Message</b> Request processing failed</p></body></html>";

    #[test]
    fn a_web_page_is_told_by_its_title_in_plain_text() {
        let short = excerpt(TOMCAT_500, "");
        assert_eq!(short, "HTTP Status 500 \u{2013} Internal Server Error");
    }

    #[test]
    fn a_page_without_a_title_is_told_by_its_heading_or_its_words() {
        assert_eq!(
            excerpt(
                "<html><body><h1>502 Bad&nbsp;Gateway</h1><hr><center>nginx</center></body></html>",
                ""
            ),
            "502 Bad Gateway"
        );
        assert_eq!(
            excerpt("<html><head><script>var x = '<b>';</script></head><body><p>Down for   maintenance &amp; updates</p></body></html>", ""),
            "Down for maintenance & updates"
        );
        assert_eq!(
            excerpt("<html><body></body></html>", ""),
            "a web page with no text"
        );
    }

    #[test]
    fn a_long_page_text_is_cut_to_a_headline_and_scrubbed() {
        let page = format!(
            "<html><body><p>key sk-1 {}</p></body></html>",
            "слово ".repeat(100)
        );
        let short = excerpt(&page, "sk-1");
        assert!(short.starts_with("key *** слово"), "{short}");
        assert!(!short.contains('<'));
        assert_eq!(short.chars().count(), PAGE_REASON_CHARS + 1);
    }

    #[test]
    fn json_and_words_that_mention_tags_are_not_pages() {
        assert_eq!(
            excerpt("{\"error\":\"<html> is not allowed\"}", ""),
            "{\"error\":\"<html> is not allowed\"}"
        );
        assert_eq!(excerpt("Bad request", ""), "Bad request");
        assert_eq!(
            excerpt("<error>no such call</error>", ""),
            "<error>no such call</error>"
        );
    }

    #[test]
    fn an_empty_secret_scrubs_nothing() {
        assert_eq!(scrub("a b", ""), "a b");
        assert_eq!(scrub("a tok b tok", "tok"), "a *** b ***");
    }
}
