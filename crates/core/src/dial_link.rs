//! Click-to-call links from outside the app: `tel:` (RFC 3966) and `callto:` (Skype's, also as
//! `callto://`), as a browser, a CRM page or the desktop hands them over on the command line.

/// The number a `tel:` or `callto:` link asks to call, as written (`+7 910 123-45-67`), ready
/// for [`PhoneNumber::parse`](crate::PhoneNumber::parse); `None` for anything else.
///
/// Percent-escapes are decoded (`%2B7910…`), visual separators are kept for the parser, and
/// parameters are dropped (`;ext=…`, `;phone-context=…`, `?call`): the PBX dials the number.
pub fn number_from_link(link: &str) -> Option<String> {
    let link = link.trim();
    let scheme_end = link.find(':')?;
    let scheme = link[..scheme_end].to_ascii_lowercase();
    if scheme != "tel" && scheme != "callto" {
        return None;
    }
    let rest = link[scheme_end + 1..].trim_start_matches('/');
    let decoded = percent_decode(rest)?;
    let number = decoded
        .split([';', '?', '&'])
        .next()
        .unwrap_or_default()
        .trim();
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-.()".contains(c);
    (digits >= 2 && number.chars().all(allowed)).then(|| number.to_owned())
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_and_callto_links_give_their_number() {
        assert_eq!(
            number_from_link("tel:+79101234567").as_deref(),
            Some("+79101234567")
        );
        assert_eq!(
            number_from_link("tel:+7-910-123-45-67;ext=12").as_deref(),
            Some("+7-910-123-45-67")
        );
        assert_eq!(
            number_from_link("TEL:%2B7%20910%201234567").as_deref(),
            Some("+7 910 1234567")
        );
        assert_eq!(
            number_from_link("callto://+380442246595").as_deref(),
            Some("+380442246595")
        );
        assert_eq!(
            number_from_link("callto:8(910)1234567?call").as_deref(),
            Some("8(910)1234567")
        );
    }

    #[test]
    fn anything_else_is_not_a_number_to_call() {
        for link in [
            "--open",
            "https://example.com",
            "tel:",
            "tel:+",
            "callto:echo123",
            "tel:%ZZ12",
            "tel:%FF%FE",
            "mailto:a@b.c",
            "tel:+7910`rm -rf`",
        ] {
            assert_eq!(number_from_link(link), None, "{link}");
        }
    }
}
