//! How a time is shown to a person: in their time zone, the zone named, and
//! relative to now where that reads better ("tomorrow 14:00 CET").
//!
//! Instants are UTC `NaiveDateTime`s (what the database keeps). Every page
//! shows them through the `time` template helper and every email through
//! [`long`], both built on this module; the API keeps RFC 3339.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::Invalid;

/// A time zone a person chose: an IANA name such as `Asia/Kathmandu`.
///
/// Errors: anything that is not a name in the IANA database (surrounding
/// spaces are ignored), with words fit to show next to the field.
pub fn parse_zone(text: &str) -> Result<Tz, Invalid> {
    text.trim().parse::<Tz>().map_err(|_| {
        Invalid::new("Give an IANA time zone such as Europe/Berlin or America/New_York.")
    })
}

/// The zone named by `name`, or UTC when there is none or it is not a zone
/// (stored values are checked on the way in, so UTC is only ever a default).
pub fn zone_or_utc(name: Option<&str>) -> Tz {
    name.and_then(|n| n.trim().parse().ok()).unwrap_or(Tz::UTC)
}

/// Every IANA zone name, sorted: for a `<datalist>`.
pub fn zone_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    names.sort_unstable();
    names
}

/// The zone's name at `at`: its abbreviation where the IANA database has a
/// letters one ("CET", "EST", "UTC"), else the offset ("UTC+5:45", "UTC+11"),
/// since "+0545" names nothing to most people.
pub fn zone_label(at: NaiveDateTime, zone: Tz) -> String {
    let local = zone.from_utc_datetime(&at);
    let abbreviation = local.format("%Z").to_string();
    if abbreviation.chars().all(|c| c.is_ascii_alphabetic()) && !abbreviation.is_empty() {
        return abbreviation;
    }
    let seconds = local.offset().fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    if minutes == 0 {
        format!("UTC{sign}{hours}")
    } else {
        format!("UTC{sign}{hours}:{minutes:02}")
    }
}

fn local(at: NaiveDateTime, zone: Tz) -> DateTime<Tz> {
    zone.from_utc_datetime(&at)
}

fn local_date(at: NaiveDateTime, zone: Tz) -> NaiveDate {
    local(at, zone).date_naive()
}

/// The full form, no relative words: "Tue 1 Dec 2026, 14:00 UTC+5:45".
pub fn absolute(at: NaiveDateTime, zone: Tz) -> String {
    format!(
        "{} {}",
        local(at, zone).format("%a %-d %b %Y, %H:%M"),
        zone_label(at, zone)
    )
}

/// The form for emails, spelt out: "Tuesday 1 December 2026, 14:00 CET".
pub fn long(at: NaiveDateTime, zone: Tz) -> String {
    format!(
        "{} {}",
        local(at, zone).format("%A %-d %B %Y, %H:%M"),
        zone_label(at, zone)
    )
}

/// The day alone, in the viewer's zone: "1 Dec 2026".
pub fn date(at: NaiveDateTime, zone: Tz) -> String {
    local(at, zone).format("%-d %b %Y").to_string()
}

/// What a person reads: "today 14:00 CET", "tomorrow 09:30 UTC+5:45",
/// "yesterday 17:00 EST" for the days around `now` (days as the viewer's
/// calendar has them), else [`absolute`].
pub fn shown(at: NaiveDateTime, zone: Tz, now: NaiveDateTime) -> String {
    let days = (local_date(at, zone) - local_date(now, zone)).num_days();
    let word = match days {
        0 => "today",
        1 => "tomorrow",
        -1 => "yesterday",
        _ => return absolute(at, zone),
    };
    format!(
        "{word} {} {}",
        local(at, zone).format("%H:%M"),
        zone_label(at, zone)
    )
}

/// The same instant where someone else is (the candidate), when it reads
/// differently from the viewer's: "09:15 CET" on the viewer's day, else
/// "Mon 30 Nov, 23:15 EST"; `None` when both read the same.
pub fn elsewhere(at: NaiveDateTime, viewer: Tz, other: Tz) -> Option<String> {
    if absolute(at, viewer) == absolute(at, other) {
        return None;
    }
    let there = local(at, other);
    let pattern = if there.date_naive() == local_date(at, viewer) {
        "%H:%M"
    } else {
        "%a %-d %b, %H:%M"
    };
    Some(format!(
        "{} {}",
        there.format(pattern),
        zone_label(at, other)
    ))
}

/// How late something due at `due` is at `now`: "3 days overdue",
/// "5 hours overdue", "overdue" (under an hour); `None` when not yet due.
pub fn overdue(due: NaiveDateTime, now: NaiveDateTime) -> Option<String> {
    let late = now - due;
    if late <= Duration::zero() {
        return None;
    }
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} overdue")
        } else {
            format!("{n} {unit}s overdue")
        }
    };
    Some(if late.num_days() >= 1 {
        plural(late.num_days(), "day")
    } else if late.num_hours() >= 1 {
        plural(late.num_hours(), "hour")
    } else {
        "overdue".to_owned()
    })
}

/// An RFC 3339 text (what the services' views carry) as a UTC instant.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}

/// The machine form for `<time datetime="…">`: RFC 3339 in UTC.
pub fn iso(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> NaiveDateTime {
        parse_instant(text).unwrap()
    }

    #[test]
    fn kathmandu_is_a_quarter_hour_off_and_named_by_its_offset() {
        let zone = parse_zone("Asia/Kathmandu").unwrap();
        let at = utc("2026-12-01T08:15:00Z");
        assert_eq!(absolute(at, zone), "Tue 1 Dec 2026, 14:00 UTC+5:45");
        assert_eq!(date(utc("2026-12-01T20:00:00Z"), zone), "2 Dec 2026");
    }

    #[test]
    fn lord_howe_moves_half_an_hour_for_summer() {
        let zone = parse_zone("Australia/Lord_Howe").unwrap();
        // Summer (DST, +11) and winter (+10:30).
        assert_eq!(
            absolute(utc("2026-01-15T03:00:00Z"), zone),
            "Thu 15 Jan 2026, 14:00 UTC+11"
        );
        assert_eq!(
            absolute(utc("2026-07-15T03:30:00Z"), zone),
            "Wed 15 Jul 2026, 14:00 UTC+10:30"
        );
    }

    #[test]
    fn new_york_fall_back_hour_shows_twice_with_its_zone() {
        let zone = parse_zone("America/New_York").unwrap();
        // 1 Nov 2026: 01:30 happens first in EDT, then again in EST.
        assert_eq!(
            absolute(utc("2026-11-01T05:30:00Z"), zone),
            "Sun 1 Nov 2026, 01:30 EDT"
        );
        assert_eq!(
            absolute(utc("2026-11-01T06:30:00Z"), zone),
            "Sun 1 Nov 2026, 01:30 EST"
        );
    }

    #[test]
    fn days_around_now_are_words_counted_on_the_viewers_calendar() {
        let zone = parse_zone("Asia/Kathmandu").unwrap();
        // 20:00 UTC on the 1st is already the 2nd in Kathmandu.
        let now = utc("2026-12-01T20:00:00Z");
        assert_eq!(
            shown(utc("2026-12-02T08:15:00Z"), zone, now),
            "today 14:00 UTC+5:45"
        );
        assert_eq!(
            shown(utc("2026-12-03T08:15:00Z"), zone, now),
            "tomorrow 14:00 UTC+5:45"
        );
        assert_eq!(
            shown(utc("2026-12-01T08:15:00Z"), zone, now),
            "yesterday 14:00 UTC+5:45"
        );
        assert_eq!(
            shown(utc("2026-12-05T08:15:00Z"), zone, now),
            "Sat 5 Dec 2026, 14:00 UTC+5:45"
        );
        // In UTC the same instant is still the 1st.
        assert_eq!(
            shown(utc("2026-12-02T08:15:00Z"), Tz::UTC, now),
            "tomorrow 08:15 UTC"
        );
    }

    #[test]
    fn emails_spell_out_the_day_in_the_candidates_zone() {
        let zone = parse_zone("Europe/Berlin").unwrap();
        assert_eq!(
            long(utc("2026-11-27T12:00:00Z"), zone),
            "Friday 27 November 2026, 13:00 CET"
        );
    }

    #[test]
    fn elsewhere_only_when_it_reads_differently() {
        let at = utc("2026-11-27T23:30:00Z");
        let berlin = parse_zone("Europe/Berlin").unwrap();
        let paris = parse_zone("Europe/Paris").unwrap();
        let new_york = parse_zone("America/New_York").unwrap();
        assert_eq!(elsewhere(at, berlin, paris), None);
        assert_eq!(
            elsewhere(at, new_york, berlin).unwrap(),
            "Sat 28 Nov, 00:30 CET"
        );
        assert_eq!(elsewhere(at, Tz::UTC, new_york).unwrap(), "18:30 EST");
        assert_eq!(
            elsewhere(utc("2026-11-27T12:00:00Z"), Tz::UTC, berlin).unwrap(),
            "13:00 CET"
        );
    }

    #[test]
    fn overdue_counts_whole_days_then_hours() {
        let due = utc("2026-11-26T10:00:00Z");
        assert_eq!(overdue(due, utc("2026-11-26T09:00:00Z")), None);
        assert_eq!(
            overdue(due, utc("2026-11-26T10:20:00Z")).unwrap(),
            "overdue"
        );
        assert_eq!(
            overdue(due, utc("2026-11-26T11:00:00Z")).unwrap(),
            "1 hour overdue"
        );
        assert_eq!(
            overdue(due, utc("2026-11-29T12:00:00Z")).unwrap(),
            "3 days overdue"
        );
    }

    #[test]
    fn zones_are_iana_names_or_refused() {
        assert!(parse_zone(" Europe/Berlin ").is_ok());
        assert!(parse_zone("Europe/Berln").is_err());
        assert!(parse_zone("").is_err());
        assert_eq!(zone_or_utc(Some("nonsense")), Tz::UTC);
        assert_eq!(zone_or_utc(None), Tz::UTC);
        let names = zone_names();
        assert!(names.contains(&"Asia/Kathmandu"));
        assert!(names.windows(2).all(|w| w[0] <= w[1]));
    }
}
