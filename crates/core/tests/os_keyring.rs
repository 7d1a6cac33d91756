//! The API key and the relay token round-trip through the real OS keyring: Windows' Credential
//! Manager (scripts/test-windows.sh runs this file built for Windows under Wine, whose
//! CredWriteW/CredReadW/CredDeleteW keep the credentials), or a Secret Service on Linux
//! (scripts/test.sh, inside its dbus-run-session with an unlocked gnome-keyring). Plain
//! `cargo test` leaves it out: a developer's keyring is not for tests.
//!
//! On Windows the test also reads each credential straight from the Credential Manager with
//! CredReadW, without the keyring library: what Callpop stored is a generic credential named
//! `<keyring user>.callpop` whose blob is the secret in UTF-16, where other Windows tools find it.

use callpop_core::secrets::{self, Secret, SecretError, KEYRING_SERVICE};
use callpop_core::{AccountConfig, RelaySettings};

/// One test at a time in the keyring. Wine makes its Credential Manager's encryption key on the
/// first write into a fresh prefix (read it, else make one and store it), so two first writes at
/// once each encrypt with a key of their own and one credential then reads back as garbage
/// ("Data is not UTF-8 encoded"). Windows itself has no such race; the tests just take turns.
static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    KEYRING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An account of its own for each run: tests may share one keyring.
fn account() -> AccountConfig {
    AccountConfig::new(
        "vega",
        &format!("os-keyring-{}.pbx.vega.ua", std::process::id()),
    )
}

#[test]
#[ignore = "needs an OS keyring: scripts/test-windows.sh (Wine's Credential Manager), scripts/test.sh (Secret Service)"]
fn api_key_is_stored_read_back_replaced_and_removed_in_the_os_keyring() {
    let _turn = one_at_a_time();
    let account = account();
    let target = format!("{}.{KEYRING_SERVICE}", account.keyring_user());
    assert!(matches!(
        secrets::keyring_api_key(&account),
        Err(SecretError::Missing { .. })
    ));
    native::assert_absent(&target);

    let key = Secret::new("bHGbn240QSjFJgydWOWyZ3ve6UeNDT8CV");
    secrets::store_api_key(&account, &key).expect("store in the keyring");
    assert_eq!(secrets::keyring_api_key(&account).unwrap(), key);
    native::assert_stored(&target, &account.keyring_user(), key.expose());

    let replaced = Secret::new("a-new-key");
    secrets::store_api_key(&account, &replaced).unwrap();
    assert_eq!(secrets::keyring_api_key(&account).unwrap(), replaced);
    native::assert_stored(&target, &account.keyring_user(), replaced.expose());

    secrets::delete_api_key(&account).unwrap();
    assert!(matches!(
        secrets::keyring_api_key(&account),
        Err(SecretError::Missing { .. })
    ));
    native::assert_absent(&target);
    secrets::delete_api_key(&account).expect("deleting twice is fine");
}

#[test]
#[ignore = "needs an OS keyring: scripts/test-windows.sh (Wine's Credential Manager), scripts/test.sh (Secret Service)"]
fn relay_token_round_trips_under_a_url_shaped_name() {
    let _turn = one_at_a_time();
    let relay = RelaySettings {
        url: format!("wss://relay.example.ua:8443/ws/{}", std::process::id()),
    };
    let target = format!("{}.{KEYRING_SERVICE}", relay.keyring_user());
    let token = Secret::new("4f1c0a9e8d7b6a5f4e3d2c1b0a9f8e7d");
    secrets::store_relay_token(&relay, &token).expect("store in the keyring");
    assert_eq!(secrets::keyring_relay_token(&relay).unwrap(), token);
    native::assert_stored(&target, &relay.keyring_user(), token.expose());
    secrets::delete_relay_token(&relay).unwrap();
    assert!(matches!(
        secrets::keyring_relay_token(&relay),
        Err(SecretError::Missing { .. })
    ));
    native::assert_absent(&target);
}

/// The Credential Manager read without the keyring library.
#[cfg(windows)]
mod native {
    use windows_sys::Win32::Foundation::{GetLastError, ERROR_NOT_FOUND};
    use windows_sys::Win32::Security::Credentials::{
        CredFree, CredReadW, CREDENTIALW, CRED_TYPE_GENERIC,
    };

    fn wide(text: &str) -> Vec<u16> {
        text.encode_utf16().chain(Some(0)).collect()
    }

    /// The generic credential `target`, or the Win32 error CredReadW gave.
    fn read(target: &str) -> Result<(String, String), u32> {
        let name = wide(target);
        let mut credential: *mut CREDENTIALW = std::ptr::null_mut();
        // SAFETY: `name` is NUL-terminated UTF-16; on success CredReadW hands us a buffer that we
        // read within its reported sizes and free with CredFree.
        unsafe {
            if CredReadW(name.as_ptr(), CRED_TYPE_GENERIC, 0, &mut credential) == 0 {
                return Err(GetLastError());
            }
            let c = &*credential;
            let blob = std::slice::from_raw_parts(c.CredentialBlob, c.CredentialBlobSize as usize);
            let units: Vec<u16> = blob
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            let mut user_len = 0;
            while *c.UserName.add(user_len) != 0 {
                user_len += 1;
            }
            let user = String::from_utf16(std::slice::from_raw_parts(c.UserName, user_len));
            let secret = String::from_utf16(&units);
            CredFree(credential.cast());
            Ok((user.unwrap(), secret.unwrap()))
        }
    }

    pub fn assert_stored(target: &str, user: &str, secret: &str) {
        assert_eq!(
            read(target),
            Ok((user.to_owned(), secret.to_owned())),
            "the Credential Manager's {target}"
        );
    }

    pub fn assert_absent(target: &str) {
        assert_eq!(read(target), Err(ERROR_NOT_FOUND), "{target} is not stored");
    }
}

/// Elsewhere the keyring library's round trip above is the check (tests/tests/keyring.rs covers
/// the Secret Service too).
#[cfg(not(windows))]
mod native {
    pub fn assert_stored(_target: &str, _user: &str, _secret: &str) {}
    pub fn assert_absent(_target: &str) {}
}
