//! The Debian package `scripts/build-deb.sh` makes from the built binaries: what apt needs to
//! install it (its control fields and library dependencies), the binaries, and the desktop entry
//! that makes Callpop the handler of `tel:` and `callto:` links.
//!
//! Packs the debug build (`cargo build` first; `scripts/test.sh` does) with quick compression,
//! and unpacks only what it runs or reads, so the test takes seconds and little disk; the
//! release package is the same script without `--no-build`.

use std::path::Path;
use std::process::Command;

use callpop_tests::webdriver::workspace_dir;

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run a packaging tool");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

fn build_package(out: &Path) -> std::path::PathBuf {
    let script = workspace_dir().join("scripts/build-deb.sh");
    let printed = run(Command::new(script)
        .args([
            "--profile",
            "debug",
            "--no-build",
            "--compress",
            "none",
            "--out",
        ])
        .arg(out));
    let deb = std::path::PathBuf::from(printed.trim());
    assert!(
        deb.starts_with(out),
        "the package is written where asked: {deb:?}"
    );
    deb
}

#[test]
#[ignore = "needs the debug build of the app and dpkg-dev (scripts/test.sh)"]
fn the_package_installs_the_app_and_handles_tel_and_callto_links() {
    let dir = tempfile::tempdir().unwrap();
    let deb = build_package(dir.path());
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        deb.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(&format!("callpop_{version}_")),
        "{deb:?}"
    );

    let field = |name: &str| run(Command::new("dpkg-deb").arg("--field").arg(&deb).arg(name));
    assert_eq!(field("Package").trim(), "callpop");
    assert_eq!(field("Version").trim(), version);
    let depends = field("Depends");
    for library in [
        "libwebkit2gtk-4.1-0",
        "libgtk-3-0",
        "libayatana-appindicator3-1",
        "libc6",
    ] {
        assert!(
            depends.contains(library),
            "Depends names {library}: {depends}"
        );
    }

    // What the package holds, with each file's mode (`-rwxr-xr-x root/root SIZE DATE ./path`).
    let listing = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    let mode_of = |path: &str| {
        listing
            .lines()
            .find(|line| line.ends_with(&format!(" ./{path}")))
            .and_then(|line| line.split_whitespace().next())
            .map(str::to_owned)
    };
    for binary in ["usr/bin/callpop", "usr/bin/callpop-cli"] {
        assert_eq!(
            mode_of(binary).as_deref(),
            Some("-rwxr-xr-x"),
            "{binary} is in the package, executable by everyone"
        );
    }
    for size in ["32x32", "128x128", "512x512"] {
        let icon = format!("usr/share/icons/hicolor/{size}/apps/callpop.png");
        assert!(mode_of(&icon).is_some(), "{icon} is in the package");
    }

    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let unpacked = Command::new("sh")
        .arg("-c")
        .arg(
            "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" \
             ./usr/bin/callpop-cli ./usr/share/applications/callpop.desktop",
        )
        .args(["unpack", deb.to_str().unwrap(), root.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(unpacked.success(), "the CLI and the desktop entry unpack");
    let help = run(Command::new(root.join("usr/bin/callpop-cli")).arg("--help"));
    assert!(help.contains("lookup"), "the packaged CLI runs: {help}");

    let entry = root.join("usr/share/applications/callpop.desktop");
    run(Command::new("desktop-file-validate").arg(&entry));
    let text = std::fs::read_to_string(&entry).unwrap();
    let mime = text
        .lines()
        .find_map(|line| line.strip_prefix("MimeType="))
        .expect("the entry declares the links it handles");
    assert!(
        mime.split(';').any(|m| m == "x-scheme-handler/tel"),
        "{mime}"
    );
    assert!(
        mime.split(';').any(|m| m == "x-scheme-handler/callto"),
        "{mime}"
    );
    let exec = text
        .lines()
        .find_map(|line| line.strip_prefix("Exec="))
        .unwrap();
    assert!(
        exec.starts_with("callpop ") && exec.ends_with("%u"),
        "the link reaches the app as its argument: {exec}"
    );
}
