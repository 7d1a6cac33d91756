//! A screen of a chosen size for a test: a private `Xvfb` display, the on-screen geometry of the
//! app's windows as the X server has them, and a picture of the whole screen.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long Xvfb may take to accept connections.
const XVFB_READY_WITHIN: Duration = Duration::from_secs(15);

/// An `Xvfb` of its own, killed when dropped.
pub struct Screen {
    child: Child,
    /// `:N`, for `DISPLAY`.
    pub display: String,
    /// Its size in pixels.
    pub width: u32,
    pub height: u32,
}

impl Screen {
    /// Starts `Xvfb :N -screen 0 WIDTHxHEIGHTx24` on a display number nobody uses.
    pub fn start(width: u32, height: u32) -> anyhow::Result<Screen> {
        let number = (120..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .context("no free X display number")?;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb (scripts/setup.sh installs it)")?;
        let screen = Screen {
            child,
            display,
            width,
            height,
        };
        let deadline = Instant::now() + XVFB_READY_WITHIN;
        while x11rb::connect(Some(&screen.display)).is_err() {
            if Instant::now() > deadline {
                bail!("Xvfb {} did not come up", screen.display);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(screen)
    }

    /// The top-level windows titled `title` that are on screen (mapped), where they are.
    pub fn windows_titled(&self, title: &str) -> anyhow::Result<Vec<Rect>> {
        use x11rb::connection::Connection as _;
        use x11rb::protocol::xproto::{ConnectionExt as _, MapState};

        let (conn, screen) = x11rb::connect(Some(&self.display)).context("connecting to X")?;
        let root = conn.setup().roots[screen].root;
        let mut found = Vec::new();
        for window in crate::desktop::windows_named(&conn, root, title)? {
            if conn.get_window_attributes(window)?.reply()?.map_state != MapState::VIEWABLE {
                continue;
            }
            let geometry = conn.get_geometry(window)?.reply()?;
            let origin = conn.translate_coordinates(window, root, 0, 0)?.reply()?;
            found.push(Rect {
                x: f64::from(origin.dst_x),
                y: f64::from(origin.dst_y),
                width: f64::from(geometry.width),
                height: f64::from(geometry.height),
            });
        }
        Ok(found)
    }

    /// Saves the whole screen as `target/screenshots/NAME` (imagemagick's `import`).
    pub fn screenshot(&self, name: &str) -> anyhow::Result<()> {
        let path = crate::webdriver::screenshot_dir().join(name);
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(&path)
            .status()
            .context("starting import (imagemagick)")?;
        anyhow::ensure!(status.success(), "import failed: {status}");
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A rectangle on the screen, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    /// True when the two share any pixel.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}
