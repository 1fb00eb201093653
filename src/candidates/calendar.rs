//! The prep pack's calendar file (RFC 5545), written through one small
//! writer: every property goes through [`Ics::text`] (TEXT, escaped per
//! RFC 5545 §3.3.11) or [`Ics::value`] (other value types), and every
//! content line is folded at 75 octets (§3.1) without splitting a UTF-8
//! character.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::calendar_events;

/// Longest content line in octets, CRLF not counted (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// An iCalendar object being written, line by line, CRLF-terminated.
#[derive(Debug, Default)]
pub struct Ics {
    out: String,
}

impl Ics {
    pub fn new() -> Self {
        Self::default()
    }

    /// `BEGIN:<component>`.
    pub fn begin(&mut self, component: &str) -> &mut Self {
        self.value("BEGIN", &[], component)
    }

    /// `END:<component>`.
    pub fn end(&mut self, component: &str) -> &mut Self {
        self.value("END", &[], component)
    }

    /// A property whose value type is TEXT: `\`, `;`, `,` and line breaks
    /// are escaped (§3.3.11), so a newline a person typed survives as `\n`.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        let line = format!("{name}:{}", escape_text(value));
        self.line(&line)
    }

    /// A property of any other value type (DATE-TIME, INTEGER, CAL-ADDRESS,
    /// …) with its parameters. Those values have no escaping, so control
    /// characters, which none of them may hold, are dropped rather than
    /// let break the line.
    pub fn value(&mut self, name: &str, params: &[(&str, &str)], value: &str) -> &mut Self {
        let mut line = String::from(name);
        for (key, param) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(&param_value(param));
        }
        line.push(':');
        line.extend(value.chars().filter(|c| !c.is_control()));
        self.line(&line)
    }

    /// A DATE-TIME in UTC form (`19980119T070000Z`, §3.3.5 form #2).
    pub fn utc(&mut self, name: &str, at: NaiveDateTime) -> &mut Self {
        self.value(name, &[], &at.format("%Y%m%dT%H%M%SZ").to_string())
    }

    /// The finished object.
    pub fn finish(self) -> String {
        self.out
    }

    fn line(&mut self, line: &str) -> &mut Self {
        fold_into(&mut self.out, line);
        self
    }
}

/// One interview slot as the candidate's calendar gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The stage it was made from; the stage may be gone since.
    pub stage_id: i64,
    /// Stable across sends (`stage-{id}@loopwright`), so a calendar updates
    /// the slot it has rather than adding one.
    pub uid: String,
    /// RFC 5545 §3.8.7.4: higher than any earlier send of this UID whose
    /// time, place or status differed.
    pub sequence: i64,
    /// UTC.
    pub starts_at: NaiveDateTime,
    /// UTC.
    pub ends_at: NaiveDateTime,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// Sent as `STATUS:CANCELLED` (see [`calendar`]).
    pub cancelled: bool,
}

/// Who sends the pack: the `ORGANIZER` that RFC 5546 §3.2.1 asks of every
/// published event.
#[derive(Debug, Clone, Copy)]
pub struct Organizer<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// The `.ics` for `events`, stamped `stamp` (UTC).
///
/// One iTIP method covers a whole file, and the pack carries live and
/// cancelled slots together, so the file is `METHOD:PUBLISH` (RFC 5546
/// §3.2.1, which allows `STATUS:CANCELLED` on a published VEVENT) rather than
/// `METHOD:CANCEL` (§3.2.5, which would need every component cancelled and
/// the candidate as an ATTENDEE, which PUBLISH forbids). A cancelled slot
/// keeps its UID and gets a higher SEQUENCE, so a calendar that has it
/// marks that very slot cancelled.
///
/// Times are written in UTC rather than with a TZID: a TZID needs a
/// VTIMEZONE of its own (RFC 5545 §3.2.19), UTC is exact, and calendars
/// show it in the reader's zone; the stage's own zone is in DESCRIPTION.
pub fn calendar(stamp: NaiveDateTime, organizer: Organizer<'_>, events: &[Event]) -> String {
    let mut ics = Ics::new();
    ics.begin("VCALENDAR")
        .value("VERSION", &[], "2.0")
        .value("PRODID", &[], "-//Loopwright//Prep pack//EN")
        .value("METHOD", &[], "PUBLISH");
    for e in events {
        ics.begin("VEVENT")
            .value("UID", &[], &e.uid)
            .value("SEQUENCE", &[], &e.sequence.to_string())
            .utc("DTSTAMP", stamp)
            .utc("DTSTART", e.starts_at)
            .utc("DTEND", e.ends_at)
            .text("SUMMARY", &e.summary)
            .value(
                "ORGANIZER",
                &[("CN", organizer.name)],
                &format!("mailto:{}", organizer.email),
            );
        if let Some(location) = &e.location {
            ics.text("LOCATION", location);
        }
        if let Some(description) = &e.description {
            ics.text("DESCRIPTION", description);
        }
        ics.value(
            "STATUS",
            &[],
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            },
        );
        ics.end("VEVENT");
    }
    ics.end("VCALENDAR");
    ics.finish()
}

/// A scheduled stage as the next pack would send it, before its SEQUENCE
/// is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub stage_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// The UID of a stage's event: stable across sends and stage edits.
pub fn uid_of(stage_id: i64) -> String {
    format!("stage-{stage_id}@loopwright")
}

/// An event as last sent to a candidate (`calendar_events`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_events)]
struct Sent {
    stage_id: i64,
    uid: String,
    sequence: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    summary: String,
    location: Option<String>,
    cancelled: bool,
}

/// The events of a candidate's next pack: one per slot, then a cancellation
/// for each event sent earlier that has no slot now (its stage was removed
/// or unscheduled). One query.
///
/// SEQUENCE (RFC 5545 §3.8.7.4): an event sent before keeps its number
/// while its time, place and summary are unchanged, and otherwise gets one
/// above both the number sent and `loop_version` (the number packs used
/// before events were recorded, so a calendar that has one of those still
/// takes the update). A new event starts at `loop_version`. A cancellation
/// already sent is not sent again.
pub(crate) fn next_events(
    conn: &mut DbConn,
    candidate_id: i64,
    loop_version: i64,
    slots: Vec<Slot>,
) -> QueryResult<Vec<Event>> {
    let sent: HashMap<String, Sent> = calendar_events::table
        .filter(calendar_events::candidate_id.eq(candidate_id))
        .select(Sent::as_select())
        .load(conn)?
        .into_iter()
        .map(|s| (s.uid.clone(), s))
        .collect();
    let mut events: Vec<Event> = slots
        .into_iter()
        .map(|slot| {
            let uid = uid_of(slot.stage_id);
            let sequence = match sent.get(&uid) {
                None => loop_version,
                Some(before)
                    if !before.cancelled
                        && before.starts_at == slot.starts_at
                        && before.ends_at == slot.ends_at
                        && before.summary == slot.summary
                        && before.location == slot.location =>
                {
                    before.sequence
                }
                Some(before) => (before.sequence + 1).max(loop_version),
            };
            Event {
                stage_id: slot.stage_id,
                uid,
                sequence,
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                summary: slot.summary,
                location: slot.location,
                description: slot.description,
                cancelled: false,
            }
        })
        .collect();
    let mut gone: Vec<&Sent> = sent
        .values()
        .filter(|s| !s.cancelled && !events.iter().any(|e| e.uid == s.uid))
        .collect();
    gone.sort_by_key(|s| (s.starts_at, s.stage_id));
    events.extend(gone.into_iter().map(|s| Event {
        stage_id: s.stage_id,
        uid: s.uid.clone(),
        sequence: (s.sequence + 1).max(loop_version),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        summary: s.summary.clone(),
        location: s.location.clone(),
        description: None,
        cancelled: true,
    }));
    Ok(events)
}

/// Records `events` as sent to the candidate at `at`, in the transaction
/// that queues the email: each row then holds what the candidate's
/// calendar holds, which the next pack is measured against.
pub(crate) fn record_sent(
    conn: &mut DbConn,
    candidate_id: i64,
    events: &[Event],
    at: NaiveDateTime,
) -> QueryResult<()> {
    for e in events {
        let changed = diesel::update(
            calendar_events::table
                .filter(calendar_events::candidate_id.eq(candidate_id))
                .filter(calendar_events::uid.eq(&e.uid)),
        )
        .set((
            calendar_events::sequence.eq(e.sequence),
            calendar_events::starts_at.eq(e.starts_at),
            calendar_events::ends_at.eq(e.ends_at),
            calendar_events::summary.eq(&e.summary),
            calendar_events::location.eq(&e.location),
            calendar_events::cancelled.eq(e.cancelled),
            calendar_events::sent_at.eq(at),
        ))
        .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(calendar_events::table)
                .values((
                    calendar_events::candidate_id.eq(candidate_id),
                    calendar_events::stage_id.eq(e.stage_id),
                    calendar_events::uid.eq(&e.uid),
                    calendar_events::sequence.eq(e.sequence),
                    calendar_events::starts_at.eq(e.starts_at),
                    calendar_events::ends_at.eq(e.ends_at),
                    calendar_events::summary.eq(&e.summary),
                    calendar_events::location.eq(&e.location),
                    calendar_events::cancelled.eq(e.cancelled),
                    calendar_events::sent_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon and comma get a
/// backslash; CRLF, CR and LF each become `\n`.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT (§3.3.11).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (RFC 5545 §3.2): quoted when it holds `:`, `;` or
/// `,`; a double quote, caret or line break is written as RFC 6868 says
/// (`^'`, `^^`, `^n`), since a quoted value cannot hold them.
fn param_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => escaped.push_str("^'"),
            '^' => escaped.push_str("^^"),
            '\n' => escaped.push_str("^n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    if escaped.contains([':', ';', ',']) {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

/// Appends `line` folded (RFC 5545 §3.1): at most 75 octets per physical
/// line, continuation lines start with one space, and a fold never falls
/// inside a UTF-8 character.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    // The first line has all 75 octets; a continuation's space takes one.
    let mut room = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= room {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = MAX_LINE_OCTETS - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "")
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_same_text() {
        let url = format!("https://meet.example/{}", "a".repeat(120));
        let mut ics = Ics::new();
        ics.value("LOCATION", &[], &url);
        let out = ics.finish();
        assert!(out.split("\r\n").all(|l| l.len() <= 75), "{out}");
        assert!(out.split("\r\n").nth(1).unwrap().starts_with(' '));
        assert_eq!(unfold(&out), format!("LOCATION:{url}\r\n"));
    }

    #[test]
    fn a_fold_never_splits_a_character() {
        let summary = "Entretien technique – équipe données – ".repeat(6) + "日本語のテキスト";
        let mut ics = Ics::new();
        ics.text("SUMMARY", &summary);
        let out = ics.finish();
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(
            unfold(&out),
            format!("SUMMARY:{}\r\n", escape_text(&summary))
        );
    }

    #[test]
    fn text_escapes_what_rfc_5545_names() {
        assert_eq!(
            escape_text("a\\b;c,d\r\ne\nf\rg"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng"
        );
    }

    #[test]
    fn parameter_values_are_quoted_and_caret_encoded() {
        assert_eq!(param_value("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(param_value("Hopper, Grace"), "\"Hopper, Grace\"");
        assert_eq!(param_value("Grace \"Amazing\""), "Grace ^'Amazing^'");
    }

    #[test]
    fn other_values_drop_control_characters() {
        let mut ics = Ics::new();
        ics.value("UID", &[], "x\r\nBEGIN:VEVENT");
        assert_eq!(ics.finish(), "UID:xBEGIN:VEVENT\r\n");
    }
}
