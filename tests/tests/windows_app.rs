//! The Windows build of the app, started under Wine (which has no WebView2 runtime, like a
//! stripped Windows 10): a `tel:` link must end in a plain message in the user's language and a
//! clean exit, not a panic. `scripts/test.sh` cross-builds the app and sets
//! `CALLPOP_WINDOWS_DIST` to the folder with `callpop.exe` and `WebView2Loader.dll`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use callpop_tests::webdriver::{save_desktop_screenshot, workspace_dir};

/// The folder with the Windows build, or why this test cannot run here.
fn windows_dist() -> Option<PathBuf> {
    match std::env::var_os("CALLPOP_WINDOWS_DIST") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!(
                "SKIPPED: windows_app: CALLPOP_WINDOWS_DIST is not set \
                 (scripts/test.sh cross-builds the Windows app and sets it)"
            );
            None
        }
    }
}

/// A Linux path as a Windows program under Wine sees it.
fn on_drive_z(path: &std::path::Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// Wine's X windows titled `title` on `$DISPLAY`. The display is shared with the tests of the
/// Linux app, whose windows bear the same titles: Wine names a program's windows' class after
/// its `.exe`.
fn wine_windows_titled(title: &str) -> Vec<String> {
    let xdotool = |args: &[&str]| {
        let out = Command::new("xdotool")
            .args(args)
            .output()
            .expect("xdotool (scripts/setup.sh installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    xdotool(&["search", "--classname", r"^callpop\.exe$"])
        .lines()
        .filter(|window| xdotool(&["getwindowname", window]).trim_end() == title)
        .map(str::to_owned)
        .collect()
}

/// Everything `stream` says, read on a thread of its own so the program never waits on a full
/// pipe while the test waits on the program.
fn collect(mut stream: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[test]
#[ignore = "needs Wine, an X display and the Windows build: run scripts/test.sh"]
fn without_webview2_a_phone_link_ends_in_a_message_in_russian_and_a_clean_exit() {
    let Some(dist) = windows_dist() else {
        return;
    };
    let prefix = tempfile::tempdir().unwrap();
    let appdata = tempfile::tempdir().unwrap();
    let mut app = Command::new(workspace_dir().join("scripts/wine.sh"))
        .arg(dist.join("callpop.exe"))
        .arg("tel:+79101234567")
        .env("CALLPOP_WINEPREFIX", prefix.path())
        .env("CALLPOP_LOCALE", "ru")
        // The app's data (its log) in the test's folder, as Wine's Z: drive shows it.
        .env(
            "CALLPOP_CONFIG",
            on_drive_z(&appdata.path().join("config.toml")),
        )
        .env("CALLPOP_DATA_DIR", on_drive_z(appdata.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start callpop.exe under scripts/wine.sh");
    let _stdout = collect(app.stdout.take().unwrap());
    let stderr = collect(app.stderr.take().unwrap());

    // The first start also makes the Wine prefix (~15 s).
    let deadline = Instant::now() + Duration::from_secs(120);
    let message_box = loop {
        if let Some(window) = wine_windows_titled("Callpop").into_iter().next() {
            break window;
        }
        if let Some(status) = app.try_wait().unwrap() {
            panic!(
                "callpop.exe ended ({status}) without a message box:\n{}",
                stderr.join().unwrap()
            );
        }
        assert!(Instant::now() < deadline, "no message box within 120 s");
        std::thread::sleep(Duration::from_millis(250));
    };
    // Let Wine draw the box, then keep a picture of it.
    std::thread::sleep(Duration::from_secs(1));
    save_desktop_screenshot("windows-no-webview2-ru.png");

    // Return on the box's OK button; again every few seconds while the box is still there (a
    // key sent while Wine was still mapping it can be lost).
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut next_press = Instant::now();
    let status = loop {
        if let Some(status) = app.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "callpop.exe still runs after its message was closed"
        );
        if Instant::now() >= next_press {
            let _ = Command::new("xdotool")
                .args(["windowfocus", &message_box])
                .status();
            let pressed = Command::new("xdotool")
                .args(["key", "--window", &message_box, "Return"])
                .status()
                .unwrap();
            assert!(pressed.success(), "xdotool key Return");
            next_press = Instant::now() + Duration::from_secs(3);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = stderr.join().unwrap();
    assert_eq!(status.code(), Some(1), "exit status; stderr:\n{stderr}");
    assert!(
        stderr
            .contains("Callpop не может запуститься: на этом компьютере нет среды Microsoft Edge"),
        "the message names what is missing, in Russian:\n{stderr}"
    );
    assert!(
        stderr.contains("developer.microsoft.com/microsoft-edge/webview2"),
        "the message says where to get it:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "a panic instead of a message:\n{stderr}"
    );
    let log = std::fs::read_to_string(appdata.path().join("callpop.log"))
        .expect("the app's log in its data folder");
    assert!(
        log.contains("cannot start: NoWebView"),
        "the log says why:\n{log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no terminal colour codes in the log file"
    );
}
