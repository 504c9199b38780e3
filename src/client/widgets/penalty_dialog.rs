//! The question an operator answers before kicking, muting or banning
//! someone: for how long (mute, ban) and why (kick, ban), with a button
//! that names the action. The window sends what was chosen
//! ([`crate::model::penalty`] words the command).

use adw::prelude::*;

use crate::i18n::gettext_f;
use crate::model::penalty::{Duration, Penalty};

/// The response id of the button that applies the penalty.
pub const APPLY: &str = "apply";
/// The response id of "Cancel".
pub const CANCEL: &str = "cancel";
/// The widget names of the duration and reason rows (for the tests).
pub const DURATION_ROW: &str = "penalty-duration";
pub const REASON_ROW: &str = "penalty-reason";

/// A penalty's dialog, modal over the window.
#[derive(Debug, Clone)]
pub struct PenaltyDialog {
    pub dialog: adw::MessageDialog,
    duration: adw::ComboRow,
    reason: adw::EntryRow,
}

impl PenaltyDialog {
    /// Asks about `penalty` for `name` in `room` (the server itself when
    /// `everywhere`: the default room's kick and ban are server-wide).
    pub fn new(parent: &impl IsA<gtk::Window>, name: &str, room: &str, everywhere: bool, penalty: Penalty) -> Self {
        let args = [("name", name), ("room", room)];
        let (heading, body) = match (penalty, everywhere) {
            (Penalty::Kick, false) => {
                (gettext_f("Remove {name} from {room}?", &args), gettext_f("{name} can join the room again.", &args))
            }
            (Penalty::Kick, true) => (
                gettext_f("Disconnect {name}?", &args),
                gettext_f("{name} is disconnected from the server and can connect again.", &args),
            ),
            (Penalty::Mute, _) => (
                gettext_f("Mute {name} in {room}?", &args),
                gettext_f("{name} can still read, but what they write in {room} reaches nobody.", &args),
            ),
            (Penalty::Ban, false) => (
                gettext_f("Ban {name} from {room}?", &args),
                gettext_f("{name} is removed from {room} and cannot join it until the ban ends.", &args),
            ),
            (Penalty::Ban, true) => (
                gettext_f("Ban {name} from the server?", &args),
                gettext_f("{name} is disconnected and cannot connect again until the ban ends.", &args),
            ),
        };
        let button = match penalty {
            Penalty::Kick => gettext_f("_Kick", &[]),
            Penalty::Mute => gettext_f("_Mute", &[]),
            Penalty::Ban => gettext_f("_Ban", &[]),
        };
        let dialog = adw::MessageDialog::new(Some(parent), Some(&heading), Some(&body));
        dialog.set_modal(true);
        dialog.set_destroy_with_parent(true);
        dialog.add_responses(&[(CANCEL, &gettext_f("_Cancel", &[])), (APPLY, &button)]);
        dialog.set_response_appearance(APPLY, adw::ResponseAppearance::Destructive);
        dialog.set_default_response(Some(APPLY));
        dialog.set_close_response(CANCEL);

        let labels: Vec<String> = Duration::ALL.iter().map(|d| duration_text(*d, penalty)).collect();
        let model = gtk::StringList::new(&labels.iter().map(String::as_str).collect::<Vec<_>>());
        let duration = adw::ComboRow::builder()
            .title(gettext_f("Duration", &[]))
            .model(&model)
            .name(DURATION_ROW)
            .visible(penalty.has_duration())
            .build();
        // A short mute, an hour's ban: enough to calm things down.
        let first = if penalty == Penalty::Ban { Duration::Hour } else { Duration::TenMinutes };
        duration.set_selected(Duration::ALL.iter().position(|d| *d == first).unwrap_or(0) as u32);
        let reason = adw::EntryRow::builder()
            .title(gettext_f("Reason (optional)", &[]))
            .name(REASON_ROW)
            .activates_default(true)
            .visible(penalty.has_reason())
            .build();
        let rows = gtk::ListBox::builder().selection_mode(gtk::SelectionMode::None).build();
        rows.add_css_class("boxed-list");
        rows.append(&duration);
        rows.append(&reason);
        dialog.set_extra_child(Some(&rows));
        PenaltyDialog { dialog, duration, reason }
    }

    /// The duration and reason chosen.
    pub fn choice(&self) -> (Duration, String) {
        let at = self.duration.selected() as usize;
        (Duration::ALL.get(at).copied().unwrap_or(Duration::Permanent), self.reason.text().to_string())
    }

    /// Calls `f` once answered: with the choice when the user applies
    /// it, `None` when not. The dialog goes either way.
    pub fn connect_done<F: Fn(Option<(Duration, String)>) + 'static>(&self, f: F) {
        let this = self.clone();
        self.dialog.connect_response(None, move |dialog, response| {
            f((response == APPLY).then(|| this.choice()));
            dialog.destroy();
        });
    }

    /// Shows the dialog with the focus on its first question.
    pub fn present(&self) {
        self.dialog.present();
        if self.reason.is_visible() {
            self.reason.grab_focus();
        } else {
            self.duration.grab_focus();
        }
    }
}

/// How a duration reads in the dialog; a mute without one lasts until
/// lifted, a ban is permanent.
fn duration_text(duration: Duration, penalty: Penalty) -> String {
    match duration {
        Duration::TenMinutes => gettext_f("10 minutes", &[]),
        Duration::Hour => gettext_f("1 hour", &[]),
        Duration::Day => gettext_f("1 day", &[]),
        Duration::Week => gettext_f("1 week", &[]),
        Duration::Permanent if penalty == Penalty::Mute => gettext_f("Until unmuted", &[]),
        Duration::Permanent => gettext_f("Permanent", &[]),
    }
}
