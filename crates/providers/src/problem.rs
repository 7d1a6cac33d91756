//! What went wrong, whatever the PBX: every provider's error sorted into a few kinds a person
//! can act on (the key was refused, the PBX cannot be reached, it failed...), so the app can say
//! it in the user's language while the provider's own English sentence stays the detail.
//!
//! Every variant of every error is matched by name, with no catch-all: a new variant does not
//! compile until someone decides what kind of problem it is. Each provider sorts its own error
//! (`impl HasProblem` next to its error enum); here are the errors every provider shares.

use callpop_core::config::ConfigError;
use callpop_core::secrets::SecretError;
use callpop_core::StoreError;

use crate::recording::RecordingError;
use crate::ProviderError;

/// The kind of a failure, provider-neutral: what happened, which says what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// The PBX (or the Autodialer) refused the API key, token or login: copy it again.
    KeyRejected,
    /// The key works, but its account may not do this: an administrator must allow it.
    NotAllowed,
    /// No key is stored for the account.
    KeyMissing,
    /// Something answered, but not the PBX's API: the address is wrong.
    WrongAddress,
    /// The PBX cannot be reached, or the connection broke: address, network.
    Unreachable,
    /// The PBX did not answer in time.
    TimedOut,
    /// The PBX failed on its side (5xx): try again later.
    ServerFailed,
    /// The PBX answered and said no to this request.
    Refused,
    /// The PBX has no such record (contact, call, recording).
    NotFound,
    /// The PBX's answer is not what its API describes.
    UnexpectedAnswer,
    /// This provider does not offer the action.
    NotOffered,
    /// The action needs "me" (the user's extension) and none is set.
    NoUser,
    /// The account's settings cannot work (unknown provider, malformed address...).
    Settings,
    /// What was asked makes no sense (an empty number, a record without a phone...).
    BadInput,
    /// The Autodialer took the first batches of a send, then failed: send only the rest.
    PartlySent,
    /// A recording is too large to play here: download it from the PBX.
    TooLarge,
    /// The local contact directory (SQLite) could not be read or written.
    Directory,
    /// The OS keyring cannot be reached.
    Keyring,
    /// The config file cannot be read or written.
    ConfigFile,
}

/// An error that can say which [`Problem`] it is.
pub trait HasProblem {
    /// The kind of this failure.
    fn problem(&self) -> Problem;
}

impl Problem {
    /// An HTTP status no variant names: the PBX's fault when 5xx, a refusal otherwise.
    pub(crate) fn by_status(status: u16) -> Problem {
        if status >= 500 {
            Problem::ServerFailed
        } else {
            Problem::Refused
        }
    }
}

impl HasProblem for ProviderError {
    fn problem(&self) -> Problem {
        match self {
            ProviderError::UnknownProvider(_) => Problem::Settings,
            ProviderError::NoUser => Problem::NoUser,
            ProviderError::Unsupported { .. } => Problem::NotOffered,
            ProviderError::InvalidInput(_) => Problem::BadInput,
            ProviderError::Pbx(e) => e.problem(),
            ProviderError::Store(e) => e.problem(),
            ProviderError::Recording(e) => e.problem(),
            ProviderError::CrmRefused(_) => Problem::Refused,
        }
    }
}

impl HasProblem for RecordingError {
    fn problem(&self) -> Problem {
        match self {
            RecordingError::BadLink(_) => Problem::UnexpectedAnswer,
            RecordingError::Http { status: 404, .. } => Problem::NotFound,
            RecordingError::Http { status, .. } => Problem::by_status(*status),
            RecordingError::TooLarge { .. } => Problem::TooLarge,
            RecordingError::Timeout { .. } => Problem::TimedOut,
            RecordingError::Network { .. } => Problem::Unreachable,
        }
    }
}

impl HasProblem for StoreError {
    fn problem(&self) -> Problem {
        match self {
            StoreError::Sqlite(_) => Problem::Directory,
            StoreError::Io { .. } => Problem::Directory,
            // A file to import without a header or a phone column.
            StoreError::Import(_) => Problem::BadInput,
        }
    }
}

impl HasProblem for SecretError {
    fn problem(&self) -> Problem {
        match self {
            SecretError::Missing { .. } => Problem::KeyMissing,
            SecretError::Unavailable { .. } => Problem::Keyring,
        }
    }
}

impl HasProblem for ConfigError {
    fn problem(&self) -> Problem {
        match self {
            ConfigError::Io { .. } => Problem::ConfigFile,
            ConfigError::Invalid { .. } => Problem::ConfigFile,
            ConfigError::NoHome => Problem::ConfigFile,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::asterisk::AsteriskError;
    use crate::autodialer::AutodialerError;
    use crate::cloudpbx::CloudPbxError;
    use crate::mcn::McnError;
    use crate::telediscount::TelediscountError;
    use crate::transport::{Peer, TransportError};
    use crate::vega::VegaError;

    #[test]
    fn a_refused_key_is_key_rejected_at_every_provider() {
        let refused: [ProviderError; 6] = [
            VegaError::Unauthorized {
                domain: "a.pbx.vega.ua".into(),
                status: 401,
                detail: "Invalid API key".into(),
            }
            .into(),
            CloudPbxError::Unauthorized {
                command: "accounts".into(),
            }
            .into(),
            TelediscountError::Unauthorized {
                method: "get_calls",
            }
            .into(),
            McnError::Unauthorized {
                call: "call_log",
                status: 403,
            }
            .into(),
            AsteriskError::LoginRejected {
                user: "callpop".into(),
                message: "Authentication failed".into(),
            }
            .into(),
            AsteriskError::AriLoginRejected {
                user: "callpop".into(),
            }
            .into(),
        ];
        for error in refused {
            assert_eq!(error.problem(), Problem::KeyRejected, "{error}");
        }
        let autodialer = AutodialerError::Unauthorized {
            method: "make",
            status: 401,
        };
        assert_eq!(autodialer.problem(), Problem::KeyRejected);
    }

    #[test]
    fn network_failures_and_timeouts_are_told_apart() {
        let timeout = Duration::from_secs(5);
        let unreachable: [ProviderError; 4] = [
            VegaError::Transport(TransportError::Network {
                peer: Peer::account("the PBX"),
                url: "https://a.pbx.vega.ua".into(),
                detail: "connection refused".into(),
            })
            .into(),
            CloudPbxError::Transport(TransportError::Network {
                peer: Peer::account("the PBX"),
                url: "https://pbx".into(),
                detail: "connection refused".into(),
            })
            .into(),
            AsteriskError::Connect {
                addr: "127.0.0.1:5038".into(),
                source: std::io::ErrorKind::ConnectionRefused.into(),
            }
            .into(),
            AsteriskError::Closed.into(),
        ];
        for error in unreachable {
            assert_eq!(error.problem(), Problem::Unreachable, "{error}");
        }
        let timed_out: [ProviderError; 4] = [
            VegaError::Transport(TransportError::Timeout {
                peer: Peer::account("the PBX"),
                request: "GET /rest/calls".into(),
                timeout,
            })
            .into(),
            TelediscountError::Transport(TransportError::Timeout {
                peer: Peer::account("the PBX"),
                request: "outcome".into(),
                timeout,
            })
            .into(),
            McnError::Transport(TransportError::Timeout {
                peer: Peer::account("the PBX"),
                request: "call_log".into(),
                timeout,
            })
            .into(),
            RecordingError::Timeout {
                link: "https://pbx/rec.mp3".into(),
                timeout,
            }
            .into(),
        ];
        for error in timed_out {
            assert_eq!(error.problem(), Problem::TimedOut, "{error}");
        }
    }

    #[test]
    fn unexpected_statuses_split_into_the_pbxs_failure_and_a_refusal() {
        let vega = |status| VegaError::Http {
            endpoint: "GET /rest/calls".into(),
            status,
            body: String::new(),
        };
        assert_eq!(vega(503).problem(), Problem::ServerFailed);
        assert_eq!(vega(409).problem(), Problem::Refused);
        let cloud = CloudPbxError::Server {
            command: "history".into(),
            status: 500,
            body: String::new(),
        };
        assert_eq!(cloud.problem(), Problem::ServerFailed);
        let gone = RecordingError::Http {
            link: "https://pbx/rec.mp3".into(),
            status: 404,
        };
        assert_eq!(gone.problem(), Problem::NotFound);
    }

    #[test]
    fn each_provider_has_its_own_wrong_address_and_odd_answers() {
        let wrong: [ProviderError; 3] = [
            CloudPbxError::WrongAddress {
                command: "accounts".into(),
                location: None,
            }
            .into(),
            VegaError::NoSessionCookie {
                base_url: "https://example.com".into(),
            }
            .into(),
            AsteriskError::NotAmi {
                addr: "127.0.0.1:80".into(),
                banner: "HTTP/1.1 400".into(),
            }
            .into(),
        ];
        for error in wrong {
            assert_eq!(error.problem(), Problem::WrongAddress, "{error}");
        }
        assert_eq!(
            AutodialerError::WrongAddress { method: "make" }.problem(),
            Problem::WrongAddress
        );
        let odd = McnError::NotJson {
            call: "call_log",
            detail: "expected value".into(),
            excerpt: "<html>".into(),
        };
        assert_eq!(
            ProviderError::from(odd).problem(),
            Problem::UnexpectedAnswer
        );
    }

    #[test]
    fn what_the_app_itself_lacks_is_not_blamed_on_the_pbx() {
        assert_eq!(ProviderError::NoUser.problem(), Problem::NoUser);
        let unsupported = ProviderError::Unsupported {
            provider: "telediscount".into(),
            action: "Do-Not-Disturb",
        };
        assert_eq!(unsupported.problem(), Problem::NotOffered);
        assert_eq!(
            ProviderError::from(AsteriskError::NotOverAri("DND")).problem(),
            Problem::NotOffered
        );
        assert_eq!(
            ProviderError::UnknownProvider("x".into()).problem(),
            Problem::Settings
        );
        let store = StoreError::Io {
            path: "/x/callpop.sqlite".into(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        };
        assert_eq!(ProviderError::from(store).problem(), Problem::Directory);
        let missing = SecretError::Missing {
            what: "API key",
            name: "vega:a".into(),
            flag: "",
            env: "CALLPOP_API_KEY",
        };
        assert_eq!(missing.problem(), Problem::KeyMissing);
        assert_eq!(
            SecretError::Unavailable {
                detail: "no D-Bus".into()
            }
            .problem(),
            Problem::Keyring
        );
        assert_eq!(ConfigError::NoHome.problem(), Problem::ConfigFile);
    }

    #[test]
    fn a_batch_that_failed_after_others_were_sent_says_so() {
        let partly = AutodialerError::PartlySent {
            sent: 500,
            summary: "500 lines".into(),
            source: Box::new(AutodialerError::Transport(TransportError::Timeout {
                peer: Peer::account("the Autodialer"),
                request: "make".into(),
                timeout: Duration::from_secs(10),
            })),
        };
        assert_eq!(partly.problem(), Problem::PartlySent);
        assert_eq!(
            AutodialerError::MissingField {
                index: 3,
                who: "Ivan".into(),
                field: "phone",
            }
            .problem(),
            Problem::BadInput
        );
    }
}
