//! Calendar days in the user's time zone, for the conversation's day
//! separators ("Today", "Yesterday", a date).
//!
//! History lines carry their UTC time (`YYYY-MM-DDTHH:MM:SSZ`); which day
//! that is depends on where the user is. The window asks GLib for the
//! local UTC offset at that instant (daylight saving included) and this
//! module does the arithmetic, so the rule is testable with any zone.

/// One calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// How a day separator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayLabel {
    Today,
    Yesterday,
    /// Any other day, shown as a date.
    Date(Day),
}

impl Day {
    /// The local day of a UTC stamp, `offset` seconds east of UTC. `None`
    /// when `utc` is not shaped `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn of_utc(utc: &str, offset: i32) -> Option<Day> {
        let num = |range: std::ops::Range<usize>| utc.get(range)?.parse::<i64>().ok();
        if utc.len() != 20 || !utc.ends_with('Z') {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            return None;
        }
        let seconds = days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s + i64::from(offset);
        Some(civil_from_days(seconds.div_euclid(86_400)))
    }

    /// The day before.
    pub fn previous(self) -> Day {
        civil_from_days(days_from_civil(i64::from(self.year), self.month, self.day) - 1)
    }

    /// How the separator of this day reads on `today`.
    pub fn label(self, today: Day) -> DayLabel {
        if self == today {
            DayLabel::Today
        } else if self == today.previous() {
            DayLabel::Yesterday
        } else {
            DayLabel::Date(self)
        }
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day `z` days after 1970-01-01.
fn civil_from_days(z: i64) -> Day {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Day { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, day: u32) -> Day {
        Day { year, month, day }
    }

    #[test]
    fn the_local_day_depends_on_the_zone() {
        let stamp = "2026-12-05T20:30:00Z";
        assert_eq!(Day::of_utc(stamp, 0), Some(day(2026, 12, 5)));
        // Seoul (UTC+9): already the next morning.
        assert_eq!(Day::of_utc(stamp, 9 * 3600), Some(day(2026, 12, 6)));
        // New York (UTC−5): still the 5th.
        assert_eq!(Day::of_utc(stamp, -5 * 3600), Some(day(2026, 12, 5)));
        // Just after midnight UTC is the day before west of it, across a year.
        assert_eq!(Day::of_utc("2027-01-01T00:10:00Z", -3600), Some(day(2026, 12, 31)));
        assert_eq!(Day::of_utc("2028-02-28T23:00:00Z", 3600), Some(day(2028, 2, 29)));
    }

    #[test]
    fn bad_stamps_are_no_day() {
        for bad in ["", "2026-12-05", "2026-13-05T00:00:00Z", "2026-12-05T00:00:00+", "abcd-12-05T00:00:00Z"] {
            assert_eq!(Day::of_utc(bad, 0), None, "{bad}");
        }
    }

    #[test]
    fn labels_today_yesterday_and_dates() {
        let today = day(2026, 3, 1);
        assert_eq!(today.label(today), DayLabel::Today);
        assert_eq!(day(2026, 2, 28).label(today), DayLabel::Yesterday);
        assert_eq!(day(2026, 2, 27).label(today), DayLabel::Date(day(2026, 2, 27)));
        assert_eq!(day(2026, 3, 2).label(today), DayLabel::Date(day(2026, 3, 2)));
        assert_eq!(day(2025, 1, 1).previous(), day(2024, 12, 31));
    }
}
