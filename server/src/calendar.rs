//! Working-day arithmetic over the holiday calendar (`calendar_days`, imported with the
//! catalogue). A day is a working day when it is listed as a make-up working day (调休), not
//! when it is listed as a holiday, and otherwise from Monday to Friday. Dates are China
//! Standard Time (UTC+8): "today" is today in Beijing, wherever the server runs.
//!
//! Also the shared basics of every due date: the traffic light of a date (`light`), today
//! with the calendar (`Today`, for due dates that never pause) and times in China Standard
//! Time (`rfc3339_cst`, `day_of`). The calendar is read once per catalogue version
//! (`cached`): it is imported with the catalogue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use api_client::{DayUnit, Deadline, HandlingType, Light, ServiceGuide, TimeLimit};
use sqlx::AnyPool;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, UtcOffset, Weekday};

/// China Standard Time.
pub const CST: UtcOffset = offset!(+8);

/// No time limit reaches this far; a calendar that never has a working day stops here.
const MAX_SCAN_DAYS: u32 = 3 * 366;

/// The current time in China Standard Time.
pub fn now_cst() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(CST)
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .expect("a date formats")
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    Holiday,
    Workday,
}

/// The listed days of the holiday calendar.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    days: HashMap<Date, DayKind>,
}

impl Calendar {
    #[cfg(test)]
    pub fn new(days: impl IntoIterator<Item = (Date, DayKind)>) -> Self {
        Calendar {
            days: days.into_iter().collect(),
        }
    }

    /// The stored days from `from` on (earlier days never matter to a new deadline), read
    /// through `e`: the pool, or the connection of the transaction that needs them (a
    /// transaction must never wait for a second connection: with every connection held by a
    /// transaction waiting so, the pool would be stuck).
    pub async fn load<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        e: E,
        from: Date,
    ) -> Result<Calendar, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            day: String,
            kind: String,
        }
        let rows: Vec<Row> = sqlx::query_as("SELECT day, kind FROM calendar_days WHERE day >= $1")
            .bind(format_date(from))
            .fetch_all(e)
            .await?;
        let mut days = HashMap::new();
        for Row { day, kind } in rows {
            let kind = if kind == "workday" {
                DayKind::Workday
            } else {
                DayKind::Holiday
            };
            if let Some(d) = parse_date(&day) {
                days.insert(d, kind);
            }
        }
        Ok(Calendar { days })
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Holiday) => false,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The `n`-th working day after `start`; for `n = 0` (即办件) `start` itself when it is a
    /// working day, else the next working day.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        if n == 0 {
            for _ in 0..MAX_SCAN_DAYS {
                if self.is_working_day(d) {
                    return d;
                }
                d = next(d);
            }
            return d;
        }
        let mut counted = 0;
        for _ in 0..MAX_SCAN_DAYS + n {
            d = next(d);
            if self.is_working_day(d) {
                counted += 1;
                if counted == n {
                    return d;
                }
            }
        }
        d
    }

    /// The date a time limit counted from `start` ends on.
    pub fn due_date(&self, start: Date, limit: TimeLimit) -> Date {
        match limit.unit {
            DayUnit::WorkingDays => self.add_working_days(start, limit.value),
            DayUnit::NaturalDays => start
                .checked_add(time::Duration::days(limit.value.into()))
                .unwrap_or(Date::MAX),
        }
    }
}

/// Unix seconds as RFC 3339 in China Standard Time (`2026-02-13T09:30:00+08:00`).
pub fn rfc3339_cst(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CST)
        .format(&Rfc3339)
        .expect("a time formats as RFC 3339")
}

/// The China Standard Time calendar day of a unix time.
pub fn day_of(unix_seconds: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CST)
        .date()
}

/// The light of something due on `due`, seen on `today`: red once today is after the due
/// date; yellow on the due date and on the last working day before it; else green.
pub fn light(calendar: &Calendar, due: Date, today: Date) -> Light {
    if today > due {
        Light::Red
    } else if working_days_between(calendar, today, due) <= 1 {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// The working days in `(after, up_to]`.
fn working_days_between(calendar: &Calendar, after: Date, up_to: Date) -> u32 {
    let mut n = 0;
    let mut d = after;
    while d < up_to {
        d = match d.next_day() {
            Some(d) => d,
            None => break,
        };
        if calendar.is_working_day(d) {
            n += 1;
        }
    }
    n
}

/// The holiday calendar from `from` on. The calendar is imported with the catalogue, so a
/// copy is kept for the catalogue `version` it was read at (and reused for any later `from`:
/// extra earlier days change nothing).
pub async fn cached(
    pool: &AnyPool,
    version: i64,
    from: Date,
) -> Result<Arc<Calendar>, sqlx::Error> {
    static CACHE: Mutex<Option<(i64, Date, Arc<Calendar>)>> = Mutex::new(None);
    if let Some((v, f, c)) = CACHE.lock().expect("calendar cache").as_ref() {
        if *v == version && *f <= from {
            return Ok(c.clone());
        }
    }
    let loaded = Arc::new(Calendar::load(pool, from).await?);
    *CACHE.lock().expect("calendar cache") = Some((version, from, loaded.clone()));
    Ok(loaded)
}

/// Today (China Standard Time) with the calendar, to see the lights of due dates that do
/// not pause (a complaint's reply, a rectification).
pub struct Today {
    pub date: Date,
    pub calendar: Arc<Calendar>,
}

impl Today {
    /// With the calendar of catalogue `version` (cached, see `cached`).
    pub async fn load(pool: &AnyPool, version: i64) -> Result<Today, sqlx::Error> {
        let date = now_cst().date();
        Ok(Today {
            date,
            calendar: cached(pool, version, date).await?,
        })
    }

    /// The deadline of something due on `due` (`YYYY-MM-DD`), never paused.
    pub fn deadline(&self, due: &str) -> Option<Deadline> {
        let date = parse_date(due)?;
        Some(Deadline {
            date: format_date(date),
            light: light(&self.calendar, date, self.date),
            paused: false,
        })
    }
}

/// From this many days before the calendar runs out, the server warns (log, `/healthz`).
pub const COVERAGE_WARNING_DAYS: i64 = 60;

/// The last day the stored calendar speaks for: 31 December of the last year it lists a
/// day of (a year's arrangement is published whole). `None` when no day is stored.
pub async fn covers_until(pool: &AnyPool) -> Result<Option<Date>, sqlx::Error> {
    let last: Option<String> = sqlx::query_scalar("SELECT MAX(day) FROM calendar_days")
        .fetch_one(pool)
        .await?;
    Ok(last
        .as_deref()
        .and_then(parse_date)
        .and_then(|d| Date::from_calendar_date(d.year(), time::Month::December, 31).ok()))
}

/// `covers_until` of catalogue `version` (the calendar is imported with it), read once per
/// version: `/healthz` asks on every probe.
pub async fn covers_until_cached(
    pool: &AnyPool,
    version: i64,
) -> Result<Option<Date>, sqlx::Error> {
    static CACHE: Mutex<Option<(i64, Option<Date>)>> = Mutex::new(None);
    if let Some((v, end)) = *CACHE.lock().expect("coverage cache") {
        if v == version {
            return Ok(end);
        }
    }
    let end = covers_until(pool).await?;
    *CACHE.lock().expect("coverage cache") = Some((version, end));
    Ok(end)
}

/// Whether a date counted under `limit` (the service's promised limit) may still move: a
/// working-day count that ends past `covers_until` (or with no calendar at all) took every
/// weekday after it for a working day. Read at each request, never stored: importing the next
/// year's arrangement clears it, while the date itself, once given, stays as it was counted.
/// A natural-day count (and an unreadable date) never depends on the calendar.
pub fn provisional(covers_until: Option<Date>, date: &str, limit: Option<DayUnit>) -> bool {
    if limit == Some(DayUnit::NaturalDays) {
        return false;
    }
    match (parse_date(date), covers_until) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(d), Some(end)) => d > end,
    }
}

/// The unit the dates of a case of the service `guide` are counted in (`None` when the
/// service is no longer listed): a 即办件 is due on a working day, whatever its limit says.
pub fn unit_of(guide: Option<&ServiceGuide>) -> Option<DayUnit> {
    guide.map(|g| match g.handling_type {
        HandlingType::Immediate => DayUnit::WorkingDays,
        HandlingType::Promised => g.promised_limit.unit,
    })
}

/// What the server says of its calendar's reach (`covers_until`) on `today`: nothing while
/// it reaches more than `COVERAGE_WARNING_DAYS` ahead, else a warning an operator can act on.
pub fn coverage_warning(covers_until: Option<Date>, today: Date) -> Option<String> {
    match covers_until {
        None => Some(
            "no holiday calendar is imported: promised dates count Monday to Friday as working days; import this year's arrangement".into(),
        ),
        Some(end) if (end - today).whole_days() < 0 => Some(format!(
            "the holiday calendar ended on {}: promised dates after it count no holidays; import the {} arrangement",
            format_date(end),
            today.year()
        )),
        Some(end) if (end - today).whole_days() <= COVERAGE_WARNING_DAYS => Some(format!(
            "the holiday calendar ends on {} ({} days from today): promised dates after it count no holidays; import the {} arrangement when it is published",
            format_date(end),
            (end - today).whole_days(),
            end.year() + 1
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod coverage_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn warns_from_sixty_days_before_the_end() {
        let end = Some(date!(2026 - 12 - 31));
        assert_eq!(coverage_warning(end, date!(2026 - 10 - 31)), None);
        let near = coverage_warning(end, date!(2026 - 11 - 01)).unwrap();
        assert!(
            near.contains("2026-12-31") && near.contains("60 days") && near.contains("2027"),
            "{near}"
        );
        assert!(coverage_warning(end, date!(2027 - 01 - 02))
            .unwrap()
            .contains("ended"));
        assert!(coverage_warning(None, date!(2026 - 06 - 01)).is_some());
        assert_eq!(
            coverage_warning(Some(date!(2027 - 12 - 31)), date!(2026 - 12 - 02)),
            None
        );
    }

    #[test]
    fn a_working_day_count_past_the_calendar_is_provisional() {
        let end = Some(date!(2026 - 12 - 31));
        let working = Some(DayUnit::WorkingDays);
        assert!(!provisional(end, "2026-12-31", working));
        assert!(provisional(end, "2027-01-04", working));
        assert!(
            provisional(end, "2027-01-04", None),
            "a service no longer listed"
        );
        assert!(!provisional(end, "2027-01-04", Some(DayUnit::NaturalDays)));
        assert!(
            provisional(None, "2026-06-01", working),
            "no calendar at all"
        );
        assert!(!provisional(end, "", working));
        assert!(!provisional(
            Some(date!(2027 - 12 - 31)),
            "2027-01-04",
            working
        ));
    }
}

fn next(d: Date) -> Date {
    d.next_day().unwrap_or(Date::MAX)
}

/// The demo calendar file: the 2026 arrangement (国办发明电〔2025〕7号), for tests.
#[cfg(test)]
pub fn demo_2026() -> Calendar {
    let text = include_str!("../../catalogue/demo/01-calendar-2026.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let list = |name: &str, kind: DayKind| -> Vec<(Date, DayKind)> {
        v["calendar"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (parse_date(d.as_str().unwrap()).unwrap(), kind))
            .collect()
    };
    Calendar::new(
        list("holidays", DayKind::Holiday)
            .into_iter()
            .chain(list("workdays", DayKind::Workday)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn calendar_2026() -> Calendar {
        demo_2026()
    }

    fn wd(start: Date, n: u32) -> Date {
        calendar_2026().add_working_days(start, n)
    }

    #[test]
    fn the_demo_calendar_has_the_2026_arrangement() {
        let c = calendar_2026();
        // 33 holidays and 6 make-up working days.
        assert_eq!(
            c.days.values().filter(|k| **k == DayKind::Holiday).count(),
            33
        );
        assert_eq!(
            c.days.values().filter(|k| **k == DayKind::Workday).count(),
            6
        );
        for d in [
            date!(2026 - 01 - 04),
            date!(2026 - 02 - 14),
            date!(2026 - 02 - 28),
            date!(2026 - 05 - 09),
            date!(2026 - 09 - 20),
            date!(2026 - 10 - 10),
        ] {
            assert!(
                matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
                "{d} is a weekend day"
            );
            assert!(c.is_working_day(d), "{d} is a make-up working day");
        }
        assert!(
            !c.is_working_day(date!(2026 - 02 - 16)),
            "Spring Festival Monday"
        );
        assert!(
            c.is_working_day(date!(2026 - 03 - 02)),
            "an ordinary Monday"
        );
    }

    #[test]
    fn across_the_spring_festival() {
        // Friday 13 February + 1 = Saturday 14 February, a make-up working day.
        assert_eq!(wd(date!(2026 - 02 - 13), 1), date!(2026 - 02 - 14));
        // + 2: 15–23 February are off; Tuesday 24 February.
        assert_eq!(wd(date!(2026 - 02 - 13), 2), date!(2026 - 02 - 24));
        // From inside the holiday: the first working day after it counts as 1.
        assert_eq!(wd(date!(2026 - 02 - 18), 1), date!(2026 - 02 - 24));
        // Friday 27 February + 1 = Saturday 28 February (make-up), + 2 = Monday 2 March.
        assert_eq!(wd(date!(2026 - 02 - 27), 1), date!(2026 - 02 - 28));
        assert_eq!(wd(date!(2026 - 02 - 27), 2), date!(2026 - 03 - 02));
    }

    #[test]
    fn across_national_day() {
        assert_eq!(wd(date!(2026 - 09 - 30), 1), date!(2026 - 10 - 08));
        assert_eq!(
            wd(date!(2026 - 10 - 09), 1),
            date!(2026 - 10 - 10),
            "Saturday make-up day"
        );
        assert_eq!(wd(date!(2026 - 10 - 09), 2), date!(2026 - 10 - 12));
        // Mid-Autumn and the Sunday 20 September make-up day.
        assert_eq!(wd(date!(2026 - 09 - 18), 1), date!(2026 - 09 - 20));
        assert_eq!(wd(date!(2026 - 09 - 24), 1), date!(2026 - 09 - 28));
        // 20 working days from 21 September: 21–24, 28–30 (7), 8–10 Oct (3), 12–16 (5), 19–23 (5).
        assert_eq!(wd(date!(2026 - 09 - 20), 20), date!(2026 - 10 - 23));
    }

    #[test]
    fn across_new_year() {
        // Wednesday 31 December 2025 + 1: 1–3 January are off, Sunday 4 January is worked.
        assert_eq!(wd(date!(2025 - 12 - 31), 1), date!(2026 - 01 - 04));
        assert_eq!(wd(date!(2025 - 12 - 31), 2), date!(2026 - 01 - 05));
        assert_eq!(
            wd(date!(2026 - 01 - 01), 0),
            date!(2026 - 01 - 04),
            "same-day item submitted on a holiday"
        );
    }

    #[test]
    fn plain_weekends() {
        assert_eq!(
            wd(date!(2026 - 03 - 13), 1),
            date!(2026 - 03 - 16),
            "Friday + 1 = Monday"
        );
        assert_eq!(
            wd(date!(2026 - 03 - 14), 1),
            date!(2026 - 03 - 16),
            "Saturday + 1 = Monday"
        );
        assert_eq!(wd(date!(2026 - 03 - 10), 5), date!(2026 - 03 - 17));
        assert_eq!(
            wd(date!(2026 - 03 - 11), 0),
            date!(2026 - 03 - 11),
            "same-day item on a working day"
        );
        assert_eq!(
            wd(date!(2026 - 03 - 14), 0),
            date!(2026 - 03 - 16),
            "same-day item on a Saturday"
        );
        // Without any calendar: only weekends are skipped (2027 is not in the demo file).
        assert_eq!(
            Calendar::default().add_working_days(date!(2027 - 01 - 01), 1),
            date!(2027 - 01 - 04)
        );
    }

    #[test]
    fn natural_days_count_every_day() {
        let c = calendar_2026();
        let limit = TimeLimit {
            value: 10,
            unit: DayUnit::NaturalDays,
        };
        assert_eq!(
            c.due_date(date!(2026 - 02 - 13), limit),
            date!(2026 - 02 - 23)
        );
        let limit = TimeLimit {
            value: 2,
            unit: DayUnit::WorkingDays,
        };
        assert_eq!(
            c.due_date(date!(2026 - 02 - 13), limit),
            date!(2026 - 02 - 24)
        );
    }

    #[test]
    fn a_calendar_without_working_days_still_ends() {
        let always_off = Calendar::new((0..4000).map(|i| {
            (
                date!(2026 - 01 - 01) + time::Duration::days(i),
                DayKind::Holiday,
            )
        }));
        let d = always_off.add_working_days(date!(2026 - 01 - 01), 3);
        assert!(d > date!(2026 - 01 - 01));
    }

    #[test]
    fn dates_format_and_parse() {
        assert_eq!(format_date(date!(2026 - 02 - 03)), "2026-02-03");
        assert_eq!(parse_date("2026-02-03"), Some(date!(2026 - 02 - 03)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(now_cst().offset(), CST);
    }

    #[test]
    fn times_are_in_china_standard_time() {
        assert_eq!(rfc3339_cst(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(rfc3339_cst(1_770_946_200), "2026-02-13T09:30:00+08:00");
    }
}
