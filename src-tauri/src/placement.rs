//! Keeps the settings window and the first-run wizard out of the caller card's corner.
//!
//! The card is always on top in the bottom-right corner of the work area ([`crate::card`]), and
//! several calls stack upwards from there. On a small screen (1366×768, 1280×720) a centred
//! 760×620 wizard reaches into that corner, and a card covered its "Next" button. So a window
//! that would reach into the card's column is moved left of it; when the screen is too narrow
//! for that, it is narrowed (down to its smallest size), and failing that it goes above the card.

use tauri::{PhysicalPosition, PhysicalSize, WebviewWindow};

use crate::card::{CARD_HEIGHT, CARD_WIDTH, MARGIN};

/// A rectangle in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Rect {
    fn right(&self) -> i32 {
        self.x + self.width
    }

    fn bottom(&self) -> i32 {
        self.y + self.height
    }

    /// True when the two share any pixel.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// Where one card shows in `area` (a work area) at `scale`.
pub fn card_place(area: Rect, scale: f64) -> Rect {
    let width = (CARD_WIDTH * scale) as i32;
    let height = (CARD_HEIGHT * scale) as i32;
    let margin = (MARGIN * scale) as i32;
    Rect {
        x: area.right() - width - margin,
        y: area.bottom() - height - margin,
        width,
        height,
    }
}

/// Where `window` (its outer rectangle now) should be so the card's corner in `area` stays
/// clear of it; `min_width`: the narrowest the window may be made. The window is left alone when
/// it does not reach into the column the card's stack grows in.
pub fn clear_of_card(window: Rect, min_width: i32, area: Rect, scale: f64) -> Rect {
    let card = card_place(area, scale);
    let gap = (MARGIN * scale) as i32;
    let column = Rect {
        x: card.x - gap,
        y: area.y,
        width: area.right() - (card.x - gap),
        height: area.height,
    };
    if !window.overlaps(&column) {
        return window;
    }
    let room_left = column.x - area.x;
    if room_left >= window.width {
        // As near to where it was (centred) as the card allows.
        let x = window.x.min(column.x - window.width).max(area.x);
        return Rect { x, ..window };
    }
    if room_left >= min_width {
        return Rect {
            x: area.x,
            width: room_left,
            ..window
        };
    }
    let room_above = card.y - gap - area.y;
    if room_above >= window.height {
        let y = window.y.min(card.y - gap - window.height).max(area.y);
        return Rect { y, ..window };
    }
    window
}

/// Moves (or narrows) `window` out of the card's corner of its screen, before it is shown.
pub fn keep_clear_of_card(window: &WebviewWindow, min_width: f64) -> tauri::Result<()> {
    let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) else {
        return Ok(());
    };
    let scale = monitor.scale_factor();
    let work = monitor.work_area();
    let area = Rect {
        x: work.position.x,
        y: work.position.y,
        width: work.size.width as i32,
        height: work.size.height as i32,
    };
    // A window not shown yet has no frame, and GTK reports nonsense for its outer size (its
    // position, under Xvfb): the inner size is what it will have, the frame is added when known.
    let (position, inner, outer) = (
        window.outer_position()?,
        window.inner_size()?,
        window.outer_size()?,
    );
    let now = match crate::window_places::saved_place(window.label()) {
        // Where the window-state plugin puts it back (GTK may not report that place yet).
        Some((x, y, width, height)) => Rect {
            x,
            y,
            width: width as i32,
            height: height as i32,
        },
        None => Rect {
            x: position.x,
            y: position.y,
            width: inner.width.max(outer.width) as i32,
            height: inner.height.max(outer.height) as i32,
        },
    };
    let clear = clear_of_card(now, (min_width * scale) as i32, area, scale);
    if clear == now {
        return Ok(());
    }
    tracing::info!(
        "{} placed clear of the caller card: {clear:?} instead of {now:?}",
        window.label()
    );
    if clear.width != now.width {
        // The decorations stay as wide as they were.
        let frame = (now.width - inner.width as i32).max(0);
        window.set_size(PhysicalSize::new(
            (clear.width - frame).max(1) as u32,
            inner.height,
        ))?;
    }
    window.set_position(PhysicalPosition::new(clear.x, clear.y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(width: i32, height: i32) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width,
            height,
        }
    }

    /// The wizard as `center()` puts it.
    fn centred(area: Rect, width: i32, height: i32) -> Rect {
        Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        }
    }

    #[test]
    fn a_centred_wizard_reaches_into_the_card_on_office_laptops_and_is_moved_left_of_it() {
        for (width, height) in [(1366, 768), (1280, 720)] {
            let area = screen(width, height);
            let wizard = centred(area, 760, 620);
            assert!(wizard.overlaps(&card_place(area, 1.0)), "{width}x{height}");
            let placed = clear_of_card(wizard, 560, area, 1.0);
            assert!(!placed.overlaps(&card_place(area, 1.0)), "{width}x{height}");
            assert_eq!(
                (placed.y, placed.width, placed.height),
                (wizard.y, 760, 620)
            );
            assert!(placed.x >= 0);
            // Clear of a stack of cards too: left of their whole column.
            assert!(placed.right() <= card_place(area, 1.0).x - 16);
        }
    }

    #[test]
    fn a_big_screen_keeps_the_wizard_centred() {
        let area = screen(1920, 1080);
        let wizard = centred(area, 760, 620);
        assert_eq!(clear_of_card(wizard, 560, area, 1.0), wizard);
    }

    #[test]
    fn a_narrow_screen_narrows_the_window_or_puts_it_above_the_card() {
        let area = screen(1024, 768);
        let placed = clear_of_card(centred(area, 760, 620), 560, area, 1.0);
        assert_eq!((placed.x, placed.width), (0, 1024 - 16 - 380 - 16));
        assert!(!placed.overlaps(&card_place(area, 1.0)));

        let tall = screen(800, 1200);
        let placed = clear_of_card(centred(tall, 760, 620), 560, tall, 1.0);
        assert_eq!(placed.width, 760);
        assert!(!placed.overlaps(&card_place(tall, 1.0)));
    }

    #[test]
    fn a_work_area_beside_a_panel_and_a_doubled_scale_are_honoured() {
        // A panel of 48 px on the left and at the bottom, at 200 %.
        let area = Rect {
            x: 48,
            y: 0,
            width: 2732 - 48,
            height: 1536 - 48,
        };
        let wizard = centred(area, 1520, 1240);
        let placed = clear_of_card(wizard, 1120, area, 2.0);
        assert!(!placed.overlaps(&card_place(area, 2.0)));
        assert!(placed.x >= area.x);
    }
}
