//! Which language the app speaks: the one chosen in the settings (`language` in the config),
//! else `CALLPOP_LOCALE` (tests), else the OS locale; Russian or English.

use callpop_core::Config;

/// The languages the app has texts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Русский.
    Russian,
    /// English, also for every other locale.
    English,
}

impl Language {
    /// The two-letter code the web UI and the config use.
    pub fn code(self) -> &'static str {
        match self {
            Language::Russian => "ru",
            Language::English => "en",
        }
    }

    /// The language of a locale or language code (`ru-RU`, `ru`, `en_US.UTF-8`).
    pub fn of_locale(locale: &str) -> Language {
        if locale.to_ascii_lowercase().starts_with("ru") {
            Language::Russian
        } else {
            Language::English
        }
    }
}

/// The language to speak now. Reads the config each time, so a change in the settings takes
/// effect in windows opened or redrawn after it; an unreadable config falls back to the locale.
pub fn language() -> Language {
    let chosen = Config::load()
        .ok()
        .and_then(|config| config.language)
        .filter(|code| !code.trim().is_empty());
    let locale = chosen
        .or_else(|| std::env::var("CALLPOP_LOCALE").ok())
        .or_else(sys_locale::get_locale)
        .unwrap_or_else(|| "en".into());
    Language::of_locale(&locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_locales_and_codes_are_russian_the_rest_english() {
        for locale in ["ru", "ru-RU", "ru_RU.UTF-8", "RU"] {
            assert_eq!(Language::of_locale(locale), Language::Russian, "{locale}");
        }
        for locale in ["en", "en-US", "uk-UA", "de_DE", ""] {
            assert_eq!(Language::of_locale(locale), Language::English, "{locale}");
        }
    }
}
