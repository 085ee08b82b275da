//! Billing periods and their cut in an OB's time zone (docs/processing.md).
//!
//! No I/O. Instants are microseconds since the Unix epoch, UTC.

use std::fmt;

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (y, m) = text.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year = y.parse().ok()?;
        let month = m.parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The period an invoice covers: a month, or a custom range of inclusive dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month(YearMonth),
    Range(DateRange),
}

/// Inclusive dates `from ..= to` with `from <= to`: only `Period::range` makes one, so no
/// caller can hand the engine a range that ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }
}

impl Period {
    /// The range of inclusive dates `from ..= to`, or why it is not one.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period, String> {
        if from > to {
            return Err(format!("the range {from}..{to} ends before it starts"));
        }
        Ok(Period::Range(DateRange { from, to }))
    }

    pub fn first_day(&self) -> NaiveDate {
        match self {
            Period::Month(m) => m.first_day(),
            Period::Range(r) => r.from,
        }
    }

    /// Last day, inclusive.
    pub fn last_day(&self) -> NaiveDate {
        match self {
            Period::Month(m) => m.last_day(),
            Period::Range(r) => r.to,
        }
    }

    /// Number of calendar days.
    pub fn days(&self) -> i64 {
        (self.last_day() - self.first_day()).num_days() + 1
    }

    /// Every date of the period, in order.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let first = self.first_day();
        (0..self.days()).map(|i| first + Duration::days(i)).collect()
    }

    /// The month whose FX rate applies: the month, or the month of a range's first day.
    pub fn fx_month(&self) -> YearMonth {
        YearMonth::of(self.first_day())
    }

    /// `YYYYMM` for a month, `YYYYMMDD-YYYYMMDD` for a range (invoice numbers, file names).
    pub fn number_suffix(&self) -> String {
        match self {
            Period::Month(m) => format!("{:04}{:02}", m.year, m.month),
            Period::Range(r) => format!("{}-{}", r.from.format("%Y%m%d"), r.to.format("%Y%m%d")),
        }
    }

    /// `YYYY-MM`, or `YYYY-MM-DD..YYYY-MM-DD` for a range.
    pub fn label(&self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Range(r) => format!("{}..{}", r.from, r.to),
        }
    }

    /// The UTC instants `[start, end)` of the period in `tz`, in microseconds.
    pub fn bounds_us(&self, tz: Tz) -> (i64, i64) {
        let end_date = self.last_day() + Duration::days(1);
        (local_midnight_us(self.first_day(), tz), local_midnight_us(end_date, tz))
    }

    /// The UTC instants of every local midnight from the first day to the day after the
    /// last: `days() + 1` boundaries; day `i` is `[b[i], b[i+1])`.
    pub fn day_bounds_us(&self, tz: Tz) -> Vec<i64> {
        let first = self.first_day();
        (0..=self.days())
            .map(|i| local_midnight_us(first + Duration::days(i), tz))
            .collect()
    }
}

/// The instant local midnight of `date` begins in `tz`. A midnight inside a DST gap starts
/// at the first instant after the gap; an ambiguous one is the earlier instant.
pub fn local_midnight_us(date: NaiveDate, tz: Tz) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or(NaiveDateTime::MIN);
    let mut local = midnight;
    // Transitions fall on whole minutes; a gap is never longer than a day.
    for _ in 0..=(26 * 60) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.timestamp_micros(),
            LocalResult::Ambiguous(earliest, _) => return earliest.timestamp_micros(),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    midnight.and_utc().timestamp_micros()
}

/// Index of the day `t_us` falls in, given `day_bounds_us`; `None` outside.
pub fn day_index(bounds: &[i64], t_us: i64) -> Option<usize> {
    let first = *bounds.first()?;
    let last = *bounds.last()?;
    if t_us < first || t_us >= last {
        return None;
    }
    Some(bounds.partition_point(|b| *b <= t_us) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> i64 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    #[test]
    fn month_bounds_in_sao_paulo_and_madrid() {
        let oct = Period::Month(YearMonth::parse("2026-10").unwrap());
        assert_eq!(oct.days(), 31);
        let (s, e) = oct.bounds_us(chrono_tz::America::Sao_Paulo);
        assert_eq!(s, utc("2026-10-01 03:00"));
        assert_eq!(e, utc("2026-11-01 03:00"));
        // Madrid leaves summer time on 2026-10-25: October starts at +02, November at +01.
        let (s, e) = oct.bounds_us(chrono_tz::Europe::Madrid);
        assert_eq!(s, utc("2026-09-30 22:00"));
        assert_eq!(e, utc("2026-10-31 23:00"));
    }

    #[test]
    fn midnight_in_a_gap_starts_after_the_gap() {
        // Santiago de Chile moved clocks from 24:00 to 01:00 on 2022-09-11 (no local midnight).
        let t = local_midnight_us(date("2022-09-11"), chrono_tz::America::Santiago);
        assert_eq!(t, utc("2022-09-11 04:00"));
    }

    #[test]
    fn ambiguous_midnight_is_the_earlier_instant() {
        // Asuncion? Use a zone with fall-back at midnight: America/Havana 2012-11-04 01:00->00:00
        // is not midnight; Sao Paulo 2018-02-18 00:00 -> 2018-02-17 23:00 makes 23:00 ambiguous.
        // Midnight of 2018-02-17 itself is single; check the day's bounds are increasing.
        let p = Period::range(date("2018-02-16"), date("2018-02-18")).unwrap();
        let b = p.day_bounds_us(chrono_tz::America::Sao_Paulo);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
        // The day of the fall-back lasts 25 hours.
        assert_eq!(b[2] - b[1], 25 * 3_600_000_000);
    }

    #[test]
    fn day_index_uses_half_open_days() {
        let p = Period::range(date("2026-10-01"), date("2026-10-02")).unwrap();
        let b = p.day_bounds_us(chrono_tz::UTC);
        assert_eq!(day_index(&b, utc("2026-10-01 00:00")), Some(0));
        assert_eq!(day_index(&b, utc("2026-10-02 00:00")), Some(1));
        assert_eq!(day_index(&b, utc("2026-10-03 00:00")), None);
        assert_eq!(day_index(&b, utc("2026-09-30 23:59")), None);
    }

    #[test]
    fn a_range_may_not_end_before_it_starts() {
        let e = Period::range(date("2026-10-02"), date("2026-10-01")).unwrap_err();
        assert_eq!(e, "the range 2026-10-02..2026-10-01 ends before it starts");
        assert_eq!(Period::range(date("2026-10-02"), date("2026-10-02")).unwrap().days(), 1);
    }

    #[test]
    fn suffixes() {
        let m = Period::Month(YearMonth::parse("2026-02").unwrap());
        assert_eq!(m.number_suffix(), "202602");
        assert_eq!(m.days(), 28);
        let r = Period::range(date("2026-10-05"), date("2026-10-20")).unwrap();
        assert_eq!(r.number_suffix(), "20261005-20261020");
        assert_eq!(r.fx_month().to_string(), "2026-10");
        assert!(YearMonth::parse("2026-13").is_none());
    }
}

/// Reads an ISO-8601 instant (docs/datasets.md): a date, then optionally `T` or a space and a time of
/// day `hh:mm[:ss[.fraction]]` with any number of fraction digits (read to the microsecond,
/// further digits cut off), then optionally a zone: `Z`, `±hh`, `±hhmm` or `±hh:mm`; none is
/// UTC. A bare date is its UTC midnight. Returns UTC microseconds.
pub fn parse_instant_us(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let mut at = Cursor { b, i: 0 };
    let year = at.digits(4)? as i32;
    at.expect(b'-')?;
    let month = at.digits(2)?;
    at.expect(b'-')?;
    let day = at.digits(2)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let mut micros = 0i64;
    if at.i < b.len() && matches!(b[at.i], b'T' | b't' | b' ') {
        at.i += 1;
        let hour = at.digits(2)?;
        at.expect(b':')?;
        let minute = at.digits(2)?;
        let mut second = 0;
        if at.peek() == Some(b':') {
            at.i += 1;
            second = at.digits(2)?;
            if at.peek() == Some(b'.') || at.peek() == Some(b',') {
                at.i += 1;
                let start = at.i;
                let mut fraction = 0i64;
                while let Some(d) = at.peek().filter(u8::is_ascii_digit) {
                    if at.i - start < 6 {
                        fraction = fraction * 10 + i64::from(d - b'0');
                    }
                    at.i += 1;
                }
                let read = at.i - start;
                if read == 0 {
                    return None;
                }
                for _ in read..6 {
                    fraction *= 10;
                }
                micros = fraction;
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        micros += i64::from(hour * 3600 + minute * 60 + second) * 1_000_000;
        micros -= at.offset()? * 1_000_000;
    }
    if at.i != b.len() {
        return None;
    }
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    midnight.checked_add(micros)
}

/// A position in the text of an instant.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.b.get(self.i..self.i + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(part.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
    }

    /// The zone offset east of UTC in seconds: `Z`, `±hh`, `±hhmm`, `±hh:mm`, or none (0).
    fn offset(&mut self) -> Option<i64> {
        let sign = match self.peek() {
            None => return Some(0),
            Some(b'Z' | b'z') => {
                self.i += 1;
                return Some(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return None,
        };
        self.i += 1;
        let hours = self.digits(2)?;
        let minutes = match self.peek() {
            None => 0,
            Some(b':') => {
                self.i += 1;
                self.digits(2)?
            }
            Some(_) => self.digits(2)?,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * i64::from(hours * 3600 + minutes * 60))
    }
}

/// The UTC calendar date of an instant.
pub fn utc_date(t_us: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_micros(t_us).map(|d| d.date_naive())
}

#[cfg(test)]
mod instant_tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let z = parse_instant_us("2026-10-01T03:00:00Z").unwrap();
        assert_eq!(parse_instant_us("2026-10-01T00:00:00-03:00"), Some(z));
        assert_eq!(parse_instant_us("2026-10-01 03:00:00"), Some(z));
        assert_eq!(parse_instant_us("2026-10-01T03:00:00.000"), Some(z));
        assert_eq!(parse_instant_us("2026-10-01T05:00:00+0200"), Some(z));
        assert_eq!(parse_instant_us("2026-10-01"), Some(z - 3 * 3_600_000_000));
        assert_eq!(parse_instant_us("yesterday"), None);
        assert_eq!(parse_instant_us("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn every_iso_offset_form() {
        // DuckDB's CSV of a TIMESTAMPTZ column: `+00`, fraction without trailing zeros.
        let z = parse_instant_us("2025-10-30T12:01:38.228Z").unwrap();
        for text in [
            "2025-10-30 12:01:38.228+00",
            "2025-10-30 12:01:38.228+0000",
            "2025-10-30 12:01:38.228+00:00",
            "2025-10-30 12:01:38.228-00:00",
            "2025-10-30T09:01:38.228-03",
            "2025-10-30T09:01:38.228-0300",
            "2025-10-30T17:31:38.228+05:30",
            "2025-10-30 12:01:38.228",
            "2025-10-30 12:01:38.228000000Z",
            "2025-10-30 12:01:38.228000999+00",
        ] {
            assert_eq!(parse_instant_us(text), Some(z), "{text}");
        }
        assert_eq!(
            parse_instant_us("2025-10-30 12:01+01"),
            Some(z - 38_228_000 - 3_600_000_000)
        );
        for bad in [
            "2025-10-30 12:01:38.228+0",
            "2025-10-30 12:01:38.228+000",
            "2025-10-30 12:01:38.228+24",
            "2025-10-30 12:01:38.+00",
            "2025-10-30 12:01:38 +00",
            "2025-10-30 24:00:00",
            "2025-10-30 12:01:38.228UTC",
            "2025-02-30",
            "2025-10-30T",
        ] {
            assert_eq!(parse_instant_us(bad), None, "{bad}");
        }
    }
}
