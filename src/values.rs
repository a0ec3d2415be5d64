//! Small value types every stage shares, which depend on nothing of folio.

use std::fmt;
use std::ops::Range;

/// A calendar date, as notes and folio.toml write it (YYYY-MM-DD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let date = Date {
            year: number(0..4)? as i32,
            month: number(5..7)? as u8,
            day: number(8..10)? as u8,
        };
        time::Date::from_calendar_date(
            date.year,
            time::Month::try_from(date.month).ok()?,
            date.day,
        )
        .ok()?;
        Some(date)
    }

    /// The UTC date of a Unix timestamp (for SOURCE_DATE_EPOCH).
    pub fn from_unix(seconds: i64) -> Option<Date> {
        let date = time::OffsetDateTime::from_unix_timestamp(seconds)
            .ok()?
            .date();
        // Dates are written YYYY-MM-DD: four-digit years only.
        (0..=9999).contains(&date.year()).then(|| Date {
            year: date.year(),
            month: date.month() as u8,
            day: date.day(),
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}
