//! Phone numbers as PBXs and people write them, normalised into one form.
//!
//! Outside numbers become E.164 (`+74957776655`) so that `8 (495) 777-66-55`, `+7 495 777 66 55`
//! and `74957776655` are one number. The rules for the markets Callpop serves (Russia, Ukraine,
//! Kazakhstan) are applied by hand, before the `phonenumber` crate is asked anything: the crate
//! (0.3.x) drops a leading `8` from Russian numbers such as `+7 800 ...` or `+7 812 ...`
//! (whisperfish/rust-phonenumber#76), so it is never allowed to change digits unless the number it
//! ends up with is valid.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::Mode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The region used when a number carries no country code and none is configured.
pub const DEFAULT_REGION: &str = "RU";

/// The longest internal number: anything longer made only of digits is an outside number.
const MAX_EXTENSION_DIGITS: usize = 5;

/// E.164 allows at most 15 digits after the `+`.
const MAX_E164_DIGITS: usize = 15;

/// Digits a person might type before the number itself (`810` + 15 digits), with some slack;
/// anything longer is not a phone number and is kept raw.
const MAX_INPUT_DIGITS: usize = 20;

/// A number in one normalised form, whatever way it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PhoneNumber {
    /// An outside number in E.164 (`+74957776655`).
    E164(String),
    /// A short internal number of the PBX (`001`, `101`).
    Extension(String),
    /// A SIP account: `SIP/0000000672` (user only) or `sip:101@host`.
    Sip {
        /// The account's user part.
        user: String,
        /// The host, when one was given.
        host: Option<String>,
    },
    /// Anything else, trimmed, kept as it came.
    Raw(String),
}

impl PhoneNumber {
    /// Parses what a PBX or a person sent; `default_region` is an ISO 3166 code (`"RU"`, `"UA"`).
    ///
    /// Never panics: what cannot be understood comes back as [`PhoneNumber::Raw`]. The rules, in
    /// order:
    /// - `SIP/user`, `sip:user@host`, `sips:...` (optionally in `<...>`) are SIP accounts;
    /// - one to five digits and nothing else are an extension (`001`, `101`);
    /// - `+` and digits is an international number;
    /// - `00...` and `810...` are international numbers dialled with an exit code;
    /// - 12 digits starting `380` are Ukrainian; 10 digits starting `0` and 11 digits starting
    ///   `80` are Ukrainian written nationally (a Russian number never starts with `0`);
    /// - 11 digits starting `7`, or `8` (the Russian trunk prefix) are `+7` numbers; with region
    ///   RU or KZ, 10 digits are a `+7` number written without the prefix;
    /// - otherwise the number is parsed in `default_region` and kept if valid there, or read as an
    ///   international number without its `+` if that is valid.
    ///
    /// For regions other than RU, UA and KZ the region's own reading is tried before the
    /// Russian/Ukrainian rules, so a German `030...` stays German.
    pub fn parse(input: &str, default_region: &str) -> PhoneNumber {
        let text = input.trim();
        if let Some(sip) = sip_account(text) {
            return sip;
        }
        if is_extension(text) {
            return PhoneNumber::Extension(text.to_owned());
        }
        let number = strip_prefix_ignore_case(text, "tel:").unwrap_or(text);
        match outside_number(number, &Region::new(default_region)) {
            Some(e164) => PhoneNumber::E164(e164),
            None => PhoneNumber::Raw(text.to_owned()),
        }
    }

    /// The canonical text: E.164 for outside numbers, the extension, `SIP/user` or
    /// `sip:user@host`, or the raw text. Two spellings of one number give the same key.
    pub fn key(&self) -> String {
        match self {
            PhoneNumber::E164(s) | PhoneNumber::Extension(s) | PhoneNumber::Raw(s) => s.clone(),
            PhoneNumber::Sip { user, host: None } => format!("SIP/{user}"),
            PhoneNumber::Sip {
                user,
                host: Some(host),
            } => format!("sip:{user}@{host}"),
        }
    }

    /// The number formatted for people: `+7 495 777-66-55`, `+380 44 224 6595`, `001`.
    pub fn display(&self) -> String {
        match self {
            PhoneNumber::E164(s) => format_international(s).unwrap_or_else(|| s.clone()),
            _ => self.key(),
        }
    }

    /// The E.164 form, when this is an outside number.
    pub fn e164(&self) -> Option<&str> {
        match self {
            PhoneNumber::E164(s) => Some(s),
            _ => None,
        }
    }

    /// Rebuilds a number from its [`key`](Self::key) (as stored in SQLite or sent as JSON).
    ///
    /// For every number `n` that [`parse`](Self::parse) returns, `from_key(&n.key()) == n`.
    pub fn from_key(key: &str) -> PhoneNumber {
        if let Some(digits) = key.strip_prefix('+') {
            if is_e164_digits(digits) {
                return PhoneNumber::E164(key.to_owned());
            }
        }
        if let Some(sip) = sip_account(key) {
            return sip;
        }
        if is_extension(key) {
            return PhoneNumber::Extension(key.to_owned());
        }
        PhoneNumber::Raw(key.to_owned())
    }

    /// The digits of the key (`74957776655` for `+74957776655`, `101` for `sip:101@pbx`): what the
    /// directory's number search matches prefixes against.
    pub fn digits(&self) -> String {
        let text = match self {
            PhoneNumber::Sip { user, .. } => user.as_str(),
            PhoneNumber::E164(s) | PhoneNumber::Extension(s) | PhoneNumber::Raw(s) => s.as_str(),
        };
        text.chars().filter(char::is_ascii_digit).collect()
    }
}

/// The default region, understood once per parse.
struct Region {
    id: Id,
    /// RU, UA and KZ: the markets whose national spellings [`national_number`] knows by heart.
    home_market: bool,
    /// RU and KZ share +7 and a 10-digit national number.
    plus_seven: bool,
}

impl Region {
    fn new(code: &str) -> Region {
        let code = code.trim().to_ascii_uppercase();
        // An unknown code (a typo in the config) falls back to the default rather than failing
        // every parse.
        let id = Id::from_str(&code).unwrap_or(Id::RU);
        Region {
            id,
            home_market: matches!(id, Id::RU | Id::UA | Id::KZ),
            plus_seven: matches!(id, Id::RU | Id::KZ),
        }
    }
}

/// `SIP/user`, `sip:user@host` or `sips:user@host`, optionally inside `<...>`; `None` when the text
/// is none of these or has no user part.
fn sip_account(text: &str) -> Option<PhoneNumber> {
    let text = text
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(text);
    if let Some(user) = strip_prefix_ignore_case(text, "SIP/") {
        let user = user.trim();
        return (!user.is_empty()).then(|| PhoneNumber::Sip {
            user: user.to_owned(),
            host: None,
        });
    }
    let uri = strip_prefix_ignore_case(text, "sips:")
        .or_else(|| strip_prefix_ignore_case(text, "sip:"))?;
    // URI parameters and headers (`;transport=udp`, `?subject=...`) are not part of the account.
    let uri = uri.split([';', '?', '>']).next().unwrap_or_default();
    let (user, host) = match uri.split_once('@') {
        Some((user, host)) => (user.trim(), Some(host.trim()).filter(|h| !h.is_empty())),
        None => (uri.trim(), None),
    };
    (!user.is_empty()).then(|| PhoneNumber::Sip {
        user: user.to_owned(),
        host: host.map(str::to_owned),
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_extension(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_EXTENSION_DIGITS
        && text.bytes().all(|b| b.is_ascii_digit())
}

/// What may follow a `+`: 3 to 15 digits, the first not `0` (no country code starts with 0).
fn is_e164_digits(digits: &str) -> bool {
    (3..=MAX_E164_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The E.164 form of an outside number written with digits, spaces, dashes, dots, slashes and
/// brackets, and at most one leading `+`.
fn outside_number(text: &str, region: &Region) -> Option<String> {
    let mut digits = String::new();
    let mut plus = false;
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '\t' | '\u{a0}' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return None,
        }
    }
    if digits.is_empty() || digits.len() > MAX_INPUT_DIGITS {
        return None;
    }
    if plus {
        return international(&digits);
    }
    national_number(&digits, region)
}

/// Digits written without a `+`.
fn national_number(digits: &str, region: &Region) -> Option<String> {
    if !region.home_market {
        if let Some(e164) = valid_in_region(digits, region.id) {
            return Some(e164);
        }
    }
    let len = digits.len();
    let candidate = if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if digits.starts_with("810") && len >= 13 {
        // Russia's old exit code: 810 380 44 ... is a call abroad, not a Russian number.
        digits[3..].to_owned()
    } else if len == 12 && digits.starts_with("380") {
        digits.to_owned()
    } else if len == 11 && digits.starts_with("80") {
        // Ukraine's old long-distance spelling: 8 044 ... A Russian number never starts with 0.
        format!("3{digits}")
    } else if len == 10 && digits.starts_with('0') {
        format!("38{digits}")
    } else if len == 11 && digits.starts_with('7') {
        digits.to_owned()
    } else if len == 11 && digits.starts_with('8') {
        // The Russian trunk prefix. The whole rest is kept: 8 800 ... is +7 800 ...
        format!("7{}", &digits[1..])
    } else if len == 10 && region.plus_seven {
        format!("7{digits}")
    } else {
        return valid_in_region(digits, region.id).or_else(|| valid_international(digits));
    };
    international(&candidate)
}

/// `+` and these digits, as E.164. The `phonenumber` crate may tidy the number (drop a trunk
/// prefix written after the country code, as in `+7 (8) 910 ...`), but only when what it ends up
/// with is valid: otherwise the digits are kept as written (see the module docs for why).
fn international(digits: &str) -> Option<String> {
    if !is_e164_digits(digits) {
        return None;
    }
    if kept_as_written(digits) {
        return Some(format!("+{digits}"));
    }
    tidied_by_the_crate(digits)
}

/// Numbers the crate is known to leave as written, so it need not be asked (it takes most of a
/// million-contact import's time): `+7` and ten digits not starting with `8`, the trunk prefix it
/// may drop. Russian and Kazakh mobiles and landlines, the bulk of any directory. A test compares
/// this with the crate over every three-digit prefix.
fn kept_as_written(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    bytes.len() == 11 && bytes[0] == b'7' && bytes[1] != b'8'
}

/// [`international`] as the `phonenumber` crate makes it.
fn tidied_by_the_crate(digits: &str) -> Option<String> {
    let written = format!("+{digits}");
    let tidied = guarded(|| {
        let number = phonenumber::parse(None, &written).ok()?;
        number
            .is_valid()
            .then(|| number.format().mode(Mode::E164).to_string())
    })
    .flatten()
    .filter(|e| e.strip_prefix('+').is_some_and(is_e164_digits));
    Some(tidied.unwrap_or(written))
}

/// The number as the region's own people would dial it, when that gives a valid number.
fn valid_in_region(digits: &str, region: Id) -> Option<String> {
    guarded(|| {
        let number = phonenumber::parse(Some(region), digits).ok()?;
        number
            .is_valid()
            .then(|| number.format().mode(Mode::E164).to_string())
    })
    .flatten()
    .filter(|e| e.strip_prefix('+').is_some_and(is_e164_digits))
}

/// Digits that are a valid international number with its `+` left off (`375291234567`).
fn valid_international(digits: &str) -> Option<String> {
    if digits.len() < 11 || !is_e164_digits(digits) {
        return None;
    }
    let written = format!("+{digits}");
    guarded(|| {
        let number = phonenumber::parse(None, &written).ok()?;
        let e164 = number.format().mode(Mode::E164).to_string();
        (number.is_valid() && e164 == written).then_some(e164)
    })
    .flatten()
}

/// `+7 495 777-66-55` for `+74957776655`.
fn format_international(e164: &str) -> Option<String> {
    let parsed = guarded(|| {
        let number = phonenumber::parse(None, e164).ok()?;
        // Only a parse that kept every digit may format the number (see the module docs).
        (number.format().mode(Mode::E164).to_string() == e164)
            .then(|| number.format().mode(Mode::International).to_string())
    })
    .flatten();
    parsed.or_else(|| format_plus_seven(e164))
}

/// Russia's and Kazakhstan's layout, `+7 800 555-35-35`, for the numbers the crate cannot parse
/// whole.
fn format_plus_seven(e164: &str) -> Option<String> {
    let national = e164.strip_prefix("+7")?;
    if national.len() != 10 || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "+7 {} {}-{}-{}",
        &national[..3],
        &national[3..6],
        &national[6..8],
        &national[8..]
    ))
}

/// Runs a call into the `phonenumber` crate, turning a panic into `None`. Its parser has panicked
/// on odd input before (whisperfish/rust-phonenumber#32, #43); a caller card must never take the
/// app down because a PBX sent something strange.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        Ok(PhoneNumber::from_key(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(input: &str, region: &str) -> String {
        match PhoneNumber::parse(input, region) {
            PhoneNumber::E164(s) => s,
            other => panic!("{input:?} in {region}: expected E.164, got {other:?}"),
        }
    }

    #[test]
    fn numbers_kept_as_written_are_what_the_crate_makes_of_them() {
        // Every +7 prefix of three digits, with digits after it that vary from number to number.
        let mut differ = Vec::new();
        let mut seed = 12345_u64;
        for prefix in 0..1000 {
            for _ in 0..8 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let digits = format!("7{prefix:03}{:07}", (seed >> 33) % 10_000_000);
                if kept_as_written(&digits)
                    && tidied_by_the_crate(&digits) != Some(format!("+{digits}"))
                {
                    differ.push(digits);
                }
            }
        }
        assert!(
            differ.is_empty(),
            "{} differ: {:?}",
            differ.len(),
            &differ[..differ.len().min(20)]
        );
        assert!(!kept_as_written("78005553535"), "the crate's business");
        assert!(!kept_as_written("380442246595"));
    }

    #[test]
    fn international_numbers_keep_their_country() {
        assert_eq!(e164("+380442246595", "RU"), "+380442246595");
        assert_eq!(e164("+7 495 777-66-55", "UA"), "+74957776655");
        assert_eq!(e164("+7 (495) 777 66 55", "RU"), "+74957776655");
        assert_eq!(e164("+44 20 7946 0958", "RU"), "+442079460958");
    }

    #[test]
    fn russian_numbers_in_every_spelling_become_one() {
        for spelling in [
            "79101234567",
            "89101234567",
            "8 (910) 123-45-67",
            "+7 910 123 45 67",
            "+7 (8) 910 123-45-67",
            "8-910-123-45-67",
            "tel:+79101234567",
            "007 910 123 45 67",
        ] {
            assert_eq!(e164(spelling, "RU"), "+79101234567", "{spelling}");
        }
        assert_eq!(e164("9101234567", "RU"), "+79101234567");
        assert_eq!(e164("9101234567", "kz"), "+79101234567");
    }

    #[test]
    fn russian_numbers_starting_with_eight_are_kept_whole() {
        // The phonenumber crate alone turns these into +7005553535 and +7123456789.
        assert_eq!(e164("8 800 555-35-35", "RU"), "+78005553535");
        assert_eq!(e164("+78005553535", "RU"), "+78005553535");
        assert_eq!(e164("8 (812) 345-67-89", "RU"), "+78123456789");
        assert_eq!(e164("+7 812 345 67 89", "UA"), "+78123456789");
    }

    #[test]
    fn ukrainian_numbers_in_every_spelling_become_one() {
        for region in ["UA", "RU"] {
            assert_eq!(e164("0442246595", region), "+380442246595", "{region}");
            assert_eq!(e164("044 224-65-95", region), "+380442246595", "{region}");
            assert_eq!(e164("80442246595", region), "+380442246595", "{region}");
            assert_eq!(e164("380442246595", region), "+380442246595", "{region}");
            assert_eq!(
                e164("+38 (044) 224-65-95", region),
                "+380442246595",
                "{region}"
            );
            assert_eq!(
                e164("810 380 44 224 6595", region),
                "+380442246595",
                "{region}"
            );
        }
        assert_eq!(e164("442246595", "UA"), "+380442246595");
    }

    #[test]
    fn ukrainian_toll_free_is_ukrainian_whatever_the_region() {
        assert_eq!(e164("0800218500", "UA"), "+380800218500");
        assert_eq!(e164("0800218500", "RU"), "+380800218500");
        assert_eq!(e164("0 800 21 85 00", "RU"), "+380800218500");
    }

    #[test]
    fn other_regions_read_their_own_national_numbers_first() {
        assert_eq!(e164("030 123456", "DE"), "+4930123456");
        // In Munich 89... is a local number...
        assert_eq!(e164("89101234567", "DE"), "+4989101234567");
        // ...but where the region's own reading fails the Russian trunk prefix still works.
        assert_eq!(e164("89101234567", "US"), "+79101234567");
        // A valid international number sent without its plus.
        assert_eq!(e164("442079460958", "RU"), "+442079460958");
    }

    #[test]
    fn sip_accounts() {
        assert_eq!(
            PhoneNumber::parse("SIP/0000000672", "RU"),
            PhoneNumber::Sip {
                user: "0000000672".into(),
                host: None
            }
        );
        let with_host = PhoneNumber::Sip {
            user: "101".into(),
            host: Some("host".into()),
        };
        assert_eq!(PhoneNumber::parse("sip:101@host", "RU"), with_host);
        assert_eq!(PhoneNumber::parse("sips:101@host", "RU"), with_host);
        assert_eq!(
            PhoneNumber::parse("<sip:101@host;transport=udp>", "RU"),
            with_host
        );
        assert_eq!(PhoneNumber::parse("  SIP:101@host ", "RU"), with_host);
        assert_eq!(
            PhoneNumber::parse("sip:101", "RU"),
            PhoneNumber::Sip {
                user: "101".into(),
                host: None
            }
        );
        // No user part: not an account.
        assert_eq!(
            PhoneNumber::parse("sip:@host", "RU"),
            PhoneNumber::Raw("sip:@host".into())
        );
        assert_eq!(
            PhoneNumber::parse("SIP/", "RU"),
            PhoneNumber::Raw("SIP/".into())
        );
    }

    #[test]
    fn short_numbers_are_extensions() {
        for ext in ["001", "101", "1234", "12345", "0"] {
            assert_eq!(
                PhoneNumber::parse(ext, "RU"),
                PhoneNumber::Extension(ext.into())
            );
        }
        assert_eq!(
            PhoneNumber::parse(" 101 ", "UA"),
            PhoneNumber::Extension("101".into())
        );
        // Six digits are no extension, and no valid outside number either.
        assert_eq!(
            PhoneNumber::parse("123456", "RU"),
            PhoneNumber::Raw("123456".into())
        );
    }

    #[test]
    fn unparseable_input_is_kept_raw_and_trimmed() {
        for (input, raw) in [
            ("anonymous", "anonymous"),
            ("  Anonymous ", "Anonymous"),
            ("", ""),
            ("   ", ""),
            ("+", "+"),
            ("+12", "+12"),
            ("+0123456789", "+0123456789"),
            ("++79101234567", "++79101234567"),
            ("7910+1234567", "7910+1234567"),
            ("8 910 123 45 67 доб. 5", "8 910 123 45 67 доб. 5"),
            ("Иван", "Иван"),
            ("--", "--"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input, "RU"),
                PhoneNumber::Raw(raw.into()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn keys_are_canonical_and_from_key_inverts_them() {
        let cases = [
            (
                PhoneNumber::parse("8 (495) 777-66-55", "RU"),
                "+74957776655",
            ),
            (PhoneNumber::parse("101", "RU"), "101"),
            (PhoneNumber::parse("SIP/0000000672", "RU"), "SIP/0000000672"),
            (
                PhoneNumber::parse("sips:101@pbx.example", "RU"),
                "sip:101@pbx.example",
            ),
            (PhoneNumber::parse("anonymous", "RU"), "anonymous"),
            (PhoneNumber::parse("123456", "RU"), "123456"),
        ];
        for (number, key) in cases {
            assert_eq!(number.key(), key);
            assert_eq!(number.to_string(), key);
            assert_eq!(PhoneNumber::from_key(key), number, "{key}");
        }
    }

    #[test]
    fn display_uses_the_international_format() {
        let display = |s: &str, region: &str| PhoneNumber::parse(s, region).display();
        assert_eq!(display("84957776655", "RU"), "+7 495 777-66-55");
        assert_eq!(display("0442246595", "UA"), "+380 44 224 6595");
        assert_eq!(display("8 800 555 35 35", "RU"), "+7 800 555-35-35");
        assert_eq!(display("001", "RU"), "001");
        assert_eq!(display("sip:101@host", "RU"), "sip:101@host");
        assert_eq!(display("SIP/672", "RU"), "SIP/672");
        assert_eq!(display("anonymous", "RU"), "anonymous");
    }

    #[test]
    fn digits_are_those_of_the_key() {
        assert_eq!(
            PhoneNumber::parse("8 910 123-45-67", "RU").digits(),
            "79101234567"
        );
        assert_eq!(PhoneNumber::parse("sip:101@10.0.0.1", "RU").digits(), "101");
        assert_eq!(PhoneNumber::parse("anonymous", "RU").digits(), "");
    }

    #[test]
    fn serde_goes_through_the_key() {
        let number = PhoneNumber::parse("8 910 123-45-67", "RU");
        let json = serde_json::to_string(&number).expect("serialise");
        assert_eq!(json, "\"+79101234567\"");
        let back: PhoneNumber = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, number);
    }

    #[test]
    fn unknown_region_falls_back_to_russia() {
        assert_eq!(e164("9101234567", "??"), "+79101234567");
        assert_eq!(e164("9101234567", ""), "+79101234567");
    }

    /// A small deterministic generator, so the odd inputs below are the same on every run.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn odd_inputs() -> Vec<String> {
        let mut inputs: Vec<String> = [
            "",
            " ",
            "+",
            "++",
            "+-",
            "()",
            "-",
            ".",
            "/",
            "//",
            "(((",
            "+()",
            "sip:",
            "SIP/",
            "sip:@",
            "<>",
            "<sip:>",
            "tel:",
            "tel:+",
            "0",
            "00",
            "000000",
            "810",
            "8",
            "+7",
            "+380",
            "٧٩١٠١٢٣٤٥٦٧",
            "+７９１０１２３４５６７",
            "📞 +7 910",
            "\u{0}",
            "\u{feff}+7910",
            "𝟗𝟏𝟎",
            "+7\u{200f}9101234567",
            "  2 22#:",
            "003-836-4618x3001",
            "sip:a@b@c",
            "SIP/😀",
            "sips:Ивaн@хост",
            "ё",
            "\n\t\r",
            "+7 910 123 45 67 ext 5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("9".repeat(10_000));
        inputs.push("+".to_owned() + &"7".repeat(16));
        inputs.push("8".repeat(21));
        inputs.push("-".repeat(500));
        let alphabet: Vec<char> = "0123456789+-() ./:@;<>sSiIpP#*xё😀\u{a0}".chars().collect();
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3_000 {
            let len = (rng.next() % 18) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            inputs.push(s);
        }
        for _ in 0..3_000 {
            // Mostly digits: the inputs that reach the phonenumber crate.
            let len = 1 + (rng.next() % 17) as usize;
            let mut s: String = (0..len)
                .map(|_| char::from(b'0' + (rng.next() % 10) as u8))
                .collect();
            if rng.next().is_multiple_of(2) {
                s.insert(0, '+');
            }
            inputs.push(s);
        }
        inputs
    }

    #[test]
    fn odd_input_never_panics_and_keys_round_trip() {
        for input in odd_inputs() {
            for region in ["RU", "UA", "KZ", "DE", "US", "xx"] {
                let number = PhoneNumber::parse(&input, region);
                let key = number.key();
                assert_eq!(PhoneNumber::from_key(&key), number, "{input:?} in {region}");
                // Parsing a key again gives the same number: normalising is idempotent.
                assert_eq!(
                    PhoneNumber::parse(&key, region),
                    number,
                    "{input:?} in {region}"
                );
                let _ = number.display();
                if let PhoneNumber::E164(e) = &number {
                    assert!(is_e164_digits(&e[1..]), "{input:?} gave {e}");
                }
            }
        }
    }
}
