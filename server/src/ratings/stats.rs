//! Satisfaction statistics (`GET /stats/satisfaction`): counts per level and the
//! satisfaction rate of case ratings per department, and of kiosk visits, over a period of
//! China Standard Time days. Aggregates only: nothing here can name a person or a case.

use api_client::{DepartmentSatisfaction, FieldError, LevelCounts, SatisfactionStats};
use sqlx::AnyPool;
use time::Date;

use crate::calendar::{format_date, parse_date};
use crate::error::ApiError;
use crate::state::Snapshot;

/// What the statistics are asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Query {
    pub department: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// The query from its parameters (empty means absent), or a 400 naming each bad one:
/// `from`/`to` not `YYYY-MM-DD`, `to` before `from`, a `department` that is not `known`.
fn read(
    department: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    known: impl Fn(&str) -> bool,
) -> Result<Query, ApiError> {
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut errors = Vec::new();
    let mut date = |name: &str, v: Option<&str>| -> Option<Date> {
        let v = given(v)?;
        let d = parse_date(&v);
        if d.is_none() {
            errors.push(FieldError::new(
                name,
                "invalid",
                format!("{name} must be a date, YYYY-MM-DD"),
            ));
        }
        d
    };
    let from = date("from", from);
    let to = date("to", to);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push(FieldError::new(
                "to",
                "before_from",
                "to must not be before from",
            ));
        }
    }
    let department = given(department);
    if let Some(d) = &department {
        if !known(d) {
            errors.push(FieldError::new(
                "department",
                "unknown",
                "no department has this code",
            ));
        }
    }
    if errors.is_empty() {
        Ok(Query {
            department,
            from,
            to,
        })
    } else {
        Err(ApiError::BadRequest(errors))
    }
}

/// The days compared as text: `YYYY-MM-DD` sorts as it dates, and these bound every date.
fn bounds(q: &Query) -> (String, String) {
    (
        q.from
            .map(format_date)
            .unwrap_or_else(|| "0000-01-01".into()),
        q.to.map(format_date).unwrap_or_else(|| "9999-12-31".into()),
    )
}

/// `counts` with `n` more ratings of `level`, through `LevelCounts::add` so that the rate
/// has one definition.
fn add(counts: &mut LevelCounts, level: i64, n: i64) {
    if let Ok(level) = u8::try_from(level) {
        for _ in 0..n.max(0) {
            counts.add(level);
        }
    }
}

/// How many ratings of a level (of a department's cases; none for visits) a period holds.
#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(default)]
    department_code: String,
    level: i64,
    n: i64,
}

/// The statistics asked for by the parameters `department`, `from` and `to` (see `read`;
/// 400 naming each bad one).
pub async fn satisfaction(
    pool: &AnyPool,
    catalogue: &Snapshot,
    department: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<SatisfactionStats, ApiError> {
    let q = read(department, from, to, |d| catalogue.department(d).is_some())?;
    report(pool, catalogue, &q).await
}

/// The statistics for `q`: every catalogue department in catalogue order (or the one asked
/// for), `overall` their sum, `visits` the kiosk's ratings of the period.
async fn report(
    pool: &AnyPool,
    catalogue: &Snapshot,
    q: &Query,
) -> Result<SatisfactionStats, ApiError> {
    let (from, to) = bounds(q);
    let mut departments: Vec<DepartmentSatisfaction> = catalogue
        .departments
        .iter()
        .filter(|d| q.department.as_deref().is_none_or(|asked| asked == d.code))
        .map(|d| DepartmentSatisfaction {
            department: d.code.clone(),
            name: d.name.clone(),
            levels: LevelCounts::default(),
        })
        .collect();
    let rows: Vec<Counted> = sqlx::query_as(
        "SELECT c.department_code, r.level, COUNT(*) AS n FROM case_ratings r JOIN cases c ON c.acceptance_number = r.case_number
         WHERE r.rated_day >= $1 AND r.rated_day <= $2 GROUP BY c.department_code, r.level",
    )
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    let mut overall = LevelCounts::default();
    for row in &rows {
        if let Some(d) = departments
            .iter_mut()
            .find(|d| d.department == row.department_code)
        {
            add(&mut d.levels, row.level, row.n);
            add(&mut overall, row.level, row.n);
        }
    }
    let mut visits = LevelCounts::default();
    let rows: Vec<Counted> = sqlx::query_as("SELECT level, COUNT(*) AS n FROM visit_ratings WHERE rated_day >= $1 AND rated_day <= $2 GROUP BY level")
        .bind(&from)
        .bind(&to)
        .fetch_all(pool)
        .await?;
    for row in &rows {
        add(&mut visits, row.level, row.n);
    }
    Ok(SatisfactionStats {
        from: q.from.map(format_date),
        to: q.to.map(format_date),
        departments,
        overall,
        visits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_through_the_one_rule() {
        let mut c = LevelCounts::default();
        add(&mut c, 5, 3);
        add(&mut c, 1, 1);
        add(&mut c, 9, 4);
        assert_eq!(
            (c.counts, c.total, c.satisfaction_rate),
            ([1, 0, 0, 0, 3], 4, Some(0.75))
        );
    }

    fn bad(department: &str, from: &str, to: &str) -> Vec<(String, String)> {
        match read(Some(department), Some(from), Some(to), |d| d == "tlc") {
            Err(ApiError::BadRequest(f)) => f.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parameters_are_checked_and_empty_means_absent() {
        let q = read(Some(""), Some(" "), None, |_| false).unwrap();
        assert_eq!(
            q,
            Query {
                department: None,
                from: None,
                to: None
            }
        );
        let q = read(Some("tlc"), Some("2026-03-01"), Some("2026-03-01"), |d| {
            d == "tlc"
        })
        .unwrap();
        assert_eq!(
            (q.department.as_deref(), q.from, q.to),
            (
                Some("tlc"),
                parse_date("2026-03-01"),
                parse_date("2026-03-01")
            )
        );
        let pair = |f: &str, c: &str| (f.to_string(), c.to_string());
        assert_eq!(
            bad("tlc", "2026-13-01", "yesterday"),
            [pair("from", "invalid"), pair("to", "invalid")]
        );
        assert_eq!(
            bad("tlc", "2026-03-02", "2026-03-01"),
            [pair("to", "before_from")]
        );
        assert_eq!(bad("nosuch", "", ""), [pair("department", "unknown")]);
    }

    #[test]
    fn open_ends_bound_every_day() {
        let q = Query {
            department: None,
            from: None,
            to: parse_date("2026-03-10"),
        };
        assert_eq!(
            bounds(&q),
            ("0000-01-01".to_string(), "2026-03-10".to_string())
        );
    }
}
