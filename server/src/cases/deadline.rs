//! The deadline clock of a case (办理时限) and its traffic light (电子监察红黄牌).
//!
//! - The clock starts when the case is accepted: the due date is the promised limit counted
//!   from the acceptance day (`due_from`); a 即办件 is due the day it is accepted (or the next
//!   working day when accepted on a day off).
//! - While a supplement (补正) is outstanding the clock is stopped: the light is frozen as it
//!   was on the day of the request, and the deadline says `paused`.
//! - When the supplement is received the due date moves on by the working days the clock
//!   was stopped (`resume_due`).
//! - Light: red once today is after the due date; yellow on the due date and on the last
//!   working day before it (at most one working day left, counting the due date); else green.
//! - No deadline before acceptance, nor once the case is decided or closed.
//!
//! All dates are China Standard Time calendar days.

use api_client::{CaseStatus, Deadline, HandlingType, TimeLimit};
use sqlx::AnyPool;
use time::Date;

use crate::calendar::{self, day_of, format_date, light, now_cst, parse_date, Calendar};
use crate::catalogue;
use crate::error::ApiError;

/// What the clock of a case depends on, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseClock {
    pub status: CaseStatus,
    pub due_date: Option<Date>,
    pub paused_at: Option<Date>,
}

impl CaseClock {
    /// From the stored columns: `status`, `due_date` (`YYYY-MM-DD`) and `paused_at` (unix
    /// seconds). An unknown status reads as `submitted` (no deadline).
    pub fn from_columns(status: &str, due_date: Option<&str>, paused_at: Option<i64>) -> CaseClock {
        CaseClock {
            status: CaseStatus::parse(status).unwrap_or(CaseStatus::Submitted),
            due_date: due_date.and_then(parse_date),
            paused_at: paused_at.map(day_of),
        }
    }

    /// The first day the calendar must hold for `deadline` on `today` (pass it to
    /// `Calendar::load`).
    pub fn calendar_from(&self, today: Date) -> Date {
        match self.paused_at {
            Some(p) if p < today => p,
            _ => today,
        }
    }
}

/// Whether the clock runs (or is paused) in this status: accepted and not yet decided.
pub fn clock_applies(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Accepted | CaseStatus::UnderReview | CaseStatus::SupplementRequested
    )
}

/// The deadline of a case on `today`, or `None` before acceptance and once decided.
pub fn deadline(calendar: &Calendar, case: &CaseClock, today: Date) -> Option<Deadline> {
    if !clock_applies(case.status) {
        return None;
    }
    let due = case.due_date?;
    let paused = case.status == CaseStatus::SupplementRequested && case.paused_at.is_some();
    let as_of = if paused {
        case.paused_at.unwrap_or(today)
    } else {
        today
    };
    Some(Deadline {
        date: format_date(due),
        light: light(calendar, due, as_of),
        paused,
    })
}

/// The due date of a case accepted on `accepted`: the promised limit counted from the
/// acceptance day; a 即办件 on the acceptance day itself (the next working day when accepted
/// on a day off).
pub fn due_from(
    calendar: &Calendar,
    accepted: Date,
    limit: TimeLimit,
    handling: HandlingType,
) -> Date {
    match handling {
        HandlingType::Immediate => calendar.add_working_days(accepted, 0),
        HandlingType::Promised => calendar.due_date(accepted, limit),
    }
}

/// The due date after a pause from `paused_at` (the day the supplement was requested) to
/// `resumed` (the day it was received).
///
/// Rule: the clock is stopped on every working day `d` with `paused_at <= d < resumed` — the
/// request day counts as stopped, the day of receipt counts again (补正期间不计入办理时限).
/// The due date moves on by that many working days; a pause resumed the same day (or one
/// only over days off) does not move it.
pub fn resume_due(calendar: &Calendar, due: Date, paused_at: Date, resumed: Date) -> Date {
    let mut stopped = 0;
    let mut d = paused_at;
    while d < resumed {
        if calendar.is_working_day(d) {
            stopped += 1;
        }
        d = match d.next_day() {
            Some(d) => d,
            None => break,
        };
    }
    if stopped == 0 {
        due
    } else {
        calendar.add_working_days(due, stopped)
    }
}

/// The deadline of a case with `clock` now, seen with the holiday calendar of catalogue
/// `version` (`calendar::cached`); none before acceptance and once decided.
pub async fn current(
    pool: &AnyPool,
    version: i64,
    clock: &CaseClock,
) -> Result<Option<Deadline>, ApiError> {
    if clock.due_date.is_none() || !clock_applies(clock.status) {
        return Ok(None);
    }
    let today = now_cst().date();
    let calendar = calendar::cached(pool, version, clock.calendar_from(today)).await?;
    Ok(deadline(&calendar, clock, today))
}

/// The columns of a case its clock reads.
#[derive(sqlx::FromRow)]
struct ClockRow {
    status: String,
    due_date: Option<String>,
    paused_at: Option<i64>,
}

/// The deadline of the case `number` now (`None` when there is no such case, or it has no
/// deadline in its status).
pub async fn of_case(pool: &AnyPool, number: &str) -> Result<Option<Deadline>, ApiError> {
    let row: Option<ClockRow> = sqlx::query_as(
        "SELECT status, due_date, paused_at FROM cases WHERE acceptance_number = $1",
    )
    .bind(number)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let clock = CaseClock::from_columns(&row.status, row.due_date.as_deref(), row.paused_at);
    current(pool, catalogue::version(pool).await?, &clock).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::{DayUnit, Light};
    use time::macros::date;

    fn calendar_2026() -> Calendar {
        crate::calendar::demo_2026()
    }

    fn running(status: CaseStatus, due: Date) -> CaseClock {
        CaseClock {
            status,
            due_date: Some(due),
            paused_at: None,
        }
    }

    #[test]
    fn light_thresholds_around_a_weekend() {
        let c = calendar_2026();
        // Due Monday 16 March 2026.
        let due = date!(2026 - 03 - 16);
        assert_eq!(
            light(&c, due, date!(2026 - 03 - 12)),
            Light::Green,
            "Thursday: Friday and Monday left"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 03 - 13)),
            Light::Yellow,
            "Friday: only Monday left"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 03 - 14)),
            Light::Yellow,
            "Saturday"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 03 - 16)),
            Light::Yellow,
            "the due date itself"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 03 - 17)),
            Light::Red,
            "the day after"
        );
    }

    #[test]
    fn light_thresholds_around_a_holiday() {
        let c = calendar_2026();
        // Due Thursday 8 October 2026, the first working day after National Day.
        let due = date!(2026 - 10 - 08);
        assert_eq!(
            light(&c, due, date!(2026 - 09 - 29)),
            Light::Green,
            "30 Sep and 8 Oct left"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 09 - 30)),
            Light::Yellow,
            "the last working day before"
        );
        assert_eq!(
            light(&c, due, date!(2026 - 10 - 05)),
            Light::Yellow,
            "inside the holiday"
        );
        assert_eq!(light(&c, due, date!(2026 - 10 - 09)), Light::Red);
    }

    #[test]
    fn no_deadline_before_acceptance_or_after_a_decision() {
        let c = calendar_2026();
        let due = date!(2026 - 03 - 16);
        for s in [
            CaseStatus::Submitted,
            CaseStatus::NotAccepted,
            CaseStatus::Approved,
            CaseStatus::Denied,
            CaseStatus::Completed,
            CaseStatus::Withdrawn,
        ] {
            assert_eq!(
                deadline(&c, &running(s, due), date!(2026 - 03 - 10)),
                None,
                "{s:?}"
            );
        }
        for s in [CaseStatus::Accepted, CaseStatus::UnderReview] {
            let d = deadline(&c, &running(s, due), date!(2026 - 03 - 10)).unwrap();
            assert_eq!(
                d,
                Deadline {
                    date: "2026-03-16".into(),
                    light: Light::Green,
                    paused: false
                }
            );
        }
        // Accepted but without a stored due date: nothing to show.
        let none = CaseClock {
            status: CaseStatus::Accepted,
            due_date: None,
            paused_at: None,
        };
        assert_eq!(deadline(&c, &none, date!(2026 - 03 - 10)), None);
    }

    #[test]
    fn a_pause_across_the_spring_festival() {
        let c = calendar_2026();
        // Accepted Monday 9 February with 5 working days: 10–13, 14 (make-up) → Saturday 14 February.
        let accepted = date!(2026 - 02 - 09);
        let due = due_from(
            &c,
            accepted,
            TimeLimit {
                value: 5,
                unit: DayUnit::WorkingDays,
            },
            HandlingType::Promised,
        );
        assert_eq!(due, date!(2026 - 02 - 14));
        // Supplement requested Wednesday 11 February: green then (12, 13, 14 left).
        let paused = CaseClock {
            status: CaseStatus::SupplementRequested,
            due_date: Some(due),
            paused_at: Some(date!(2026 - 02 - 11)),
        };
        // Seen during the holiday, and after the old due date: frozen at the pause day.
        let d = deadline(&c, &paused, date!(2026 - 02 - 20)).unwrap();
        assert_eq!(
            d,
            Deadline {
                date: "2026-02-14".into(),
                light: Light::Green,
                paused: true
            }
        );
        let d = deadline(&c, &paused, date!(2026 - 03 - 20)).unwrap();
        assert_eq!(d.light, Light::Green);
        // Received Tuesday 24 February: stopped on 11, 12, 13, 14 (make-up) = 4 working days;
        // 14 February + 4 working days = 24, 25, 26, 27 February.
        let resumed = resume_due(&c, due, date!(2026 - 02 - 11), date!(2026 - 02 - 24));
        assert_eq!(resumed, date!(2026 - 02 - 27));
        let running = CaseClock {
            status: CaseStatus::UnderReview,
            due_date: Some(resumed),
            paused_at: None,
        };
        assert_eq!(
            deadline(&c, &running, date!(2026 - 02 - 24)).unwrap().light,
            Light::Green
        );
        assert_eq!(
            deadline(&c, &running, date!(2026 - 02 - 26)).unwrap().light,
            Light::Yellow
        );
        assert_eq!(
            deadline(&c, &running, date!(2026 - 02 - 28)).unwrap().light,
            Light::Red
        );
    }

    #[test]
    fn resume_moves_the_date_by_the_working_days_stopped() {
        let c = calendar_2026();
        let due = date!(2026 - 03 - 20); // Friday
                                         // Same day: nothing stopped.
        assert_eq!(
            resume_due(&c, due, date!(2026 - 03 - 10), date!(2026 - 03 - 10)),
            due
        );
        // Tuesday to Thursday: Tuesday and Wednesday stopped → Tuesday 24 March.
        assert_eq!(
            resume_due(&c, due, date!(2026 - 03 - 10), date!(2026 - 03 - 12)),
            date!(2026 - 03 - 24)
        );
        // Over a weekend only (Saturday to Monday): nothing stopped.
        assert_eq!(
            resume_due(&c, due, date!(2026 - 03 - 14), date!(2026 - 03 - 16)),
            due
        );
        // Friday to Monday: Friday stopped → Monday 23 March.
        assert_eq!(
            resume_due(&c, due, date!(2026 - 03 - 13), date!(2026 - 03 - 16)),
            date!(2026 - 03 - 23)
        );
    }

    #[test]
    fn same_day_items() {
        let c = calendar_2026();
        let limit = TimeLimit {
            value: 0,
            unit: DayUnit::WorkingDays,
        };
        // Accepted on a working day: due that day, yellow at once, red the next day.
        let due = due_from(&c, date!(2026 - 03 - 11), limit, HandlingType::Immediate);
        assert_eq!(due, date!(2026 - 03 - 11));
        let clock = running(CaseStatus::Accepted, due);
        assert_eq!(
            deadline(&c, &clock, date!(2026 - 03 - 11)).unwrap().light,
            Light::Yellow
        );
        assert_eq!(
            deadline(&c, &clock, date!(2026 - 03 - 12)).unwrap().light,
            Light::Red
        );
        // Accepted on the Spring Festival holiday: the next working day, 24 February.
        assert_eq!(
            due_from(&c, date!(2026 - 02 - 17), limit, HandlingType::Immediate),
            date!(2026 - 02 - 24)
        );
        // A 即办件 ignores whatever limit its guide carries.
        let ten = TimeLimit {
            value: 10,
            unit: DayUnit::WorkingDays,
        };
        assert_eq!(
            due_from(&c, date!(2026 - 03 - 11), ten, HandlingType::Immediate),
            date!(2026 - 03 - 11)
        );
        assert_eq!(
            due_from(&c, date!(2026 - 03 - 11), ten, HandlingType::Promised),
            date!(2026 - 03 - 25)
        );
    }

    #[test]
    fn clocks_read_from_columns() {
        let c = CaseClock::from_columns(
            "supplement_requested",
            Some("2026-02-14"),
            Some(1_770_946_200),
        );
        assert_eq!(c.status, CaseStatus::SupplementRequested);
        assert_eq!(c.due_date, Some(date!(2026 - 02 - 14)));
        assert_eq!(c.paused_at, Some(date!(2026 - 02 - 13)));
        assert_eq!(
            c.calendar_from(date!(2026 - 03 - 01)),
            date!(2026 - 02 - 13)
        );
        let c = CaseClock::from_columns("nonsense", None, None);
        assert_eq!(c.status, CaseStatus::Submitted);
    }
}
