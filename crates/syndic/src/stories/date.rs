//! Days from the date field of a record, for the time window of
//! candidates and for the earliest report of a story.
//!
//! Dates in corpora come in many spellings; what the window needs is only
//! the day. A value is read from its start: `YYYY-MM-DD` (ISO 8601, with
//! anything after it, such as a time or zone) or `YYYYMMDD` (the Reuters
//! headlines' `20070101 11:47 PM EST`). Anything else is no date, and a
//! document without a date is compared with every other.

/// A day, counted from 1970-01-01.
pub type Day = i32;

/// Records the day of each of `docs` whose text is a date (the corpus read
/// with the date field as the text), by id; the others stay undated.
pub fn add_days(docs: &[crate::doc::Document], days: &mut std::collections::HashMap<String, Day>) {
    for doc in docs {
        if let Some(day) = parse_day(&doc.text) {
            days.insert(doc.id.clone(), day);
        }
    }
}

/// The day a date string starts with, or `None` when it starts with no
/// date this module reads.
///
/// ```
/// use syndic::stories::parse_day;
/// assert_eq!(parse_day("1970-01-02"), Some(1));
/// assert_eq!(parse_day("2010-08-14T10:00:00Z"), parse_day("20100814 11:47 PM EST"));
/// assert_eq!(parse_day("yesterday"), None);
/// assert_eq!(parse_day("2010-02-30"), None);
/// ```
pub fn parse_day(text: &str) -> Option<Day> {
    let text = text.trim_start().as_bytes();
    let digits = |s: &[u8]| -> Option<i32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let (y, m, d) = if text.len() >= 10 && text[4] == b'-' && text[7] == b'-' {
        (digits(&text[..4])?, digits(&text[5..7])?, digits(&text[8..10])?)
    } else if text.len() >= 8 && (text.len() == 8 || !text[8].is_ascii_digit()) {
        (digits(&text[..4])?, digits(&text[4..6])?, digits(&text[6..8])?)
    } else {
        return None;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a
/// proleptic Gregorian date.
fn days_from_civil(y: i32, m: i32, d: i32) -> Day {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue18_dates_in_the_spellings_of_the_shared_data() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2000-03-01"), Some(11_017));
        assert_eq!(parse_day("2010-08-16").unwrap() - parse_day("2010-08-14").unwrap(), 2);
        assert_eq!(parse_day("20070101 11:47 PM EST"), parse_day("2007-01-01"));
        assert_eq!(parse_day("2008-02-29"), Some(13_938));
        for bad in ["", "2007", "2007-13-01", "2007-02-29", "200701011", "Jan 1 2007"] {
            assert_eq!(parse_day(bad), None, "{bad:?}");
        }
    }
}
