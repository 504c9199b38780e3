//! Issue 13 item 6: the connect form at the default size and at 360 px.
//!
//! After an error the Join button must still lie wholly inside the window,
//! and a connection attempt must not leave it wider than it was.

use std::net::TcpListener;

use std::time::Duration;

use adw::prelude::*;

use crate::support::{descendants, shot_of};
use crate::support::{pump, wait_until, Server, Win};
use crate::widgets::ConnectPage;

/// The form's Join button.
fn join_button(page: &ConnectPage) -> gtk::Button {
    descendants(page.upcast_ref())
        .into_iter()
        .find_map(|w| w.downcast::<gtk::Button>().ok().filter(|b| b.action_name().as_deref() == Some("connect.join")))
        .expect("a Join button")
}

/// Waits for a laid-out window `width` wide and checks that the Join
/// button lies wholly inside it; returns the button's bounds.
fn button_inside(win: &Win, width: i32, when: &str) -> gtk::graphene::Rect {
    // Within the frame GTK draws around a window without a manager.
    wait_until("the window width", || (win.0.width() - width).abs() <= 20);
    // Let a changed error label be laid out.
    pump(Duration::from_millis(100));
    let height = win.0.height();
    let button = join_button(&win.0.connect_page());
    let bounds = button.compute_bounds(&win.0).expect("the Join button is laid out");
    let (w, h) = (win.0.width() as f32, height as f32);
    assert!(
        bounds.x() >= 0.0 && bounds.y() >= 0.0 && bounds.x() + bounds.width() <= w && bounds.y() + bounds.height() <= h,
        "{when} at {width}×{height}: the Join button at {:?} is not inside the window",
        (bounds.x(), bounds.y(), bounds.width(), bounds.height())
    );
    bounds
}

/// Errors from a bad name and a refused connection leave the Join button
/// inside the window and as wide as before, at 880×620 and at 360 px.
pub fn connect_form_fits_after_errors() {
    let _server = Server::start();
    let closed_port =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
    let closed = format!("127.0.0.1:{closed_port}");
    let win = Win::new();
    let page = win.0.connect_page();
    for (width, height) in [(880, 620), (360, 620)] {
        win.0.set_default_size(width, height);
        page.set_values(&closed, "alice");
        let before = button_inside(&win, width, "before any attempt");

        page.set_values(&closed, "bad name");
        page.submit();
        assert!(page.error().is_some(), "the bad name is refused");
        button_inside(&win, width, "after the name error");
        shot_of(&win, &format!("item6-name-error-{width}"));

        page.set_values(&closed, "alice");
        page.submit();
        wait_until("the refused message", || page.error().is_some_and(|e| e.contains("refused")) && !page.is_busy());
        let after = button_inside(&win, width, "after the refused connection");
        shot_of(&win, &format!("item6-refused-{width}"));
        assert!(
            (after.width() - before.width()).abs() < 0.5,
            "at {width} px the Join button was {} px wide before the attempt and {} px after",
            before.width(),
            after.width()
        );
    }
}
