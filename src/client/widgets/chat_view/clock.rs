//! Local time for the conversation: a line's `HH:MM` and day, now or at a
//! stored line's UTC stamp, and how a day separator reads. GLib knows the
//! user's time zone; the day arithmetic is `model/day.rs`'s.

use gettextrs::gettext;
use gtk::glib;

use crate::i18n::gettext_f;
use crate::model::day::{Day, DayLabel};
use crate::model::session::{ChatLine, Entry};

impl ChatLine {
    /// `entry` as it happens now.
    pub fn now(entry: Entry) -> ChatLine {
        let now = glib::DateTime::now_local().ok();
        ChatLine { time: hhmm(now.as_ref()), day: now.as_ref().map(day_of), id: None, entry }
    }

    /// `entry` said at `utc` (`YYYY-MM-DDTHH:MM:SSZ`) as stored line `id`.
    pub fn stored(entry: Entry, utc: &str, id: Option<u64>) -> ChatLine {
        let Some(local) = glib::DateTime::from_iso8601(utc, None).and_then(|t| t.to_local()).ok() else {
            return ChatLine { id, ..ChatLine::now(entry) };
        };
        let offset = (local.utc_offset().as_seconds()) as i32;
        let day = Day::of_utc(utc, offset).or_else(|| Some(day_of(&local)));
        ChatLine { time: hhmm(Some(&local)), day, id, entry }
    }
}

fn hhmm(t: Option<&glib::DateTime>) -> String {
    t.and_then(|t| t.format("%H:%M").ok()).map(Into::into).unwrap_or_default()
}

fn day_of(t: &glib::DateTime) -> Day {
    Day { year: t.year(), month: t.month() as u32, day: t.day_of_month() as u32 }
}

/// Today in the user's time zone.
pub fn today() -> Option<Day> {
    glib::DateTime::now_local().ok().map(|t| day_of(&t))
}

/// A day separator's text: "Today", "Yesterday" or the date.
pub fn day_text(day: Day) -> String {
    match today().map_or(DayLabel::Date(day), |today| day.label(today)) {
        DayLabel::Today => gettext_f("Today", &[]),
        DayLabel::Yesterday => gettext_f("Yesterday", &[]),
        DayLabel::Date(d) => {
            let date = glib::DateTime::from_local(d.year, d.month as i32, d.day as i32, 12, 0, 0.0);
            // Translators: a day separator's date, in strftime format
            // (GLib's g_date_time_format); e.g. "%Y년 %-m월 %-d일 %A".
            let format = gettext("%A, %B %-d, %Y");
            date.and_then(|t| t.format(&format))
                .map(Into::into)
                .unwrap_or_else(|_| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        }
    }
}
