//! How a complaint moves, and who may move it.
//!
//! ```text
//! received ─assign→ assigned ─reply→ replied ─close→ closed
//!              ▲  │                 │  ▲
//!              └──┘ (re-assign)     └──┘ (a further reply)
//! ```
//!
//! Staff see and act on their department's complaints; they may pass one on (assign it to
//! another department, after which it is no longer theirs). A complaint no department has
//! (about staff or a channel, or a service of none) is the complaints office's
//! (投诉受理办公室, tokens made with `--complaints-office`): only office staff see it, and
//! they hand it to a department (assign). Office staff oversee every complaint: they see
//! and may act on any, as the operator on the command line does. Checks run in this order: the request (400), the complaint (404), who acts (403),
//! its status (409).

use api_client::complaints::{ComplaintAction, MAX_REPLY_CHARS};
use api_client::text::{self, Lines};
use api_client::{ComplaintStatus, FieldError};

use crate::cases::lifecycle::Actor;
use crate::error::ApiError;

/// What is done to a complaint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handling {
    /// To the department with this code (checked against the catalogue by the caller).
    Assign {
        department: String,
    },
    Reply {
        text: String,
    },
    Close,
}

impl Handling {
    /// The action's name on the wire and in `complaint_events.action`.
    pub fn name(&self) -> &'static str {
        match self {
            Handling::Assign { .. } => "assign",
            Handling::Reply { .. } => "reply",
            Handling::Close => "close",
        }
    }

    /// Reads a request, or a 400 naming the missing or invalid field.
    pub fn from_request(req: &ComplaintAction) -> Result<Handling, ApiError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let problem = |field: &str, code: &str, message: String| {
            Err(ApiError::BadRequest(vec![FieldError::new(
                field, code, message,
            )]))
        };
        let single = |field, v: &Option<String>| {
            v.as_deref()
                .and_then(|v| text::problem(field, v, Lines::Single))
        };
        if let Some(p) = single("action", &Some(req.action.clone()))
            .or_else(|| single("department", &req.department))
            .or_else(|| {
                req.text
                    .as_deref()
                    .and_then(|v| text::problem("text", v, Lines::Multi))
            })
        {
            return Err(ApiError::BadRequest(vec![p]));
        }
        match req.action.trim() {
            "assign" => match given(&req.department) {
                Some(department) => Ok(Handling::Assign { department }),
                None => problem(
                    "department",
                    "required",
                    "department is required: the code of the department to handle it".into(),
                ),
            },
            "reply" => match given(&req.text) {
                None => problem("text", "required", "text is required: the reply".into()),
                Some(t) if t.chars().count() > MAX_REPLY_CHARS => problem(
                    "text",
                    "too_long",
                    format!("the reply may have at most {MAX_REPLY_CHARS} characters"),
                ),
                Some(text) => Ok(Handling::Reply { text }),
            },
            "close" => Ok(Handling::Close),
            "" => problem(
                "action",
                "required",
                "action is required: assign, reply or close".into(),
            ),
            _ => problem(
                "action",
                "invalid",
                "action must be assign, reply or close".into(),
            ),
        }
    }
}

/// The status a complaint moves to, or why it cannot (a 409).
pub fn next_status(from: ComplaintStatus, action: &Handling) -> Result<ComplaintStatus, String> {
    use ComplaintStatus::*;
    match (from, action) {
        (Received | Assigned, Handling::Assign { .. }) => Ok(Assigned),
        (Assigned | Replied, Handling::Reply { .. }) => Ok(Replied),
        (Replied, Handling::Close) => Ok(Closed),
        (Received, Handling::Reply { .. }) => {
            Err("assign the complaint to a department before replying".into())
        }
        (_, _) => Err(format!(
            "cannot {} a complaint that is {}",
            action.name(),
            from.as_str()
        )),
    }
}

/// Whether `actor` may see and handle a complaint of department `department` (none yet:
/// the complaints office's). Complainants follow theirs with its code, not as an actor.
pub fn may_see(actor: &Actor, department: Option<&str>) -> bool {
    match (actor, department) {
        (Actor::Cli { .. } | Actor::ComplaintsOffice { .. }, _) => true,
        (Actor::Applicant, _) => false,
        (Actor::Staff { .. }, None) => false,
        (
            Actor::Staff {
                department_code, ..
            },
            Some(d),
        ) => d == department_code,
    }
}

/// Why a department's staff may not see a complaint of `department`.
pub fn not_yours(department: Option<&str>) -> &'static str {
    match department {
        Some(_) => "this complaint belongs to another department",
        None => "this complaint has no department yet: the complaints office handles it",
    }
}

/// Why `actor` may not take `action` on a complaint of `department` in `status`: a 403
/// before a 409.
pub fn check(
    actor: &Actor,
    department: Option<&str>,
    status: ComplaintStatus,
    action: &Handling,
) -> Result<ComplaintStatus, ApiError> {
    if !may_see(actor, department) {
        return Err(ApiError::Forbidden(not_yours(department).into()));
    }
    next_status(status, action).map_err(ApiError::Conflict)
}

/// Whether a reply is still awaited (the reply deadline and its light apply).
pub fn awaiting_reply(status: ComplaintStatus) -> bool {
    matches!(
        status,
        ComplaintStatus::Received | ComplaintStatus::Assigned
    )
}

/// Whether the complainant may rate the handling now.
pub fn may_rate(status: ComplaintStatus, rated: bool) -> bool {
    !rated && matches!(status, ComplaintStatus::Replied | ComplaintStatus::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComplaintStatus::*;

    fn actions() -> [Handling; 3] {
        [
            Handling::Assign {
                department: "d".into(),
            },
            Handling::Reply {
                text: "已核实".into(),
            },
            Handling::Close,
        ]
    }

    #[test]
    fn every_status_and_action() {
        let expected = |from: ComplaintStatus, action: &str| match (from, action) {
            (Received | Assigned, "assign") => Some(Assigned),
            (Assigned | Replied, "reply") => Some(Replied),
            (Replied, "close") => Some(Closed),
            _ => None,
        };
        let mut allowed = 0;
        for from in ComplaintStatus::ALL {
            for a in actions() {
                match expected(from, a.name()) {
                    Some(to) => {
                        assert_eq!(
                            next_status(from, &a),
                            Ok(to),
                            "{} from {}",
                            a.name(),
                            from.as_str()
                        );
                        allowed += 1;
                    }
                    None => assert!(
                        next_status(from, &a).is_err(),
                        "{} from {}",
                        a.name(),
                        from.as_str()
                    ),
                }
            }
        }
        assert_eq!(allowed, 5);
        assert!(
            actions().iter().all(|a| next_status(Closed, a).is_err()),
            "closed is final"
        );
    }

    fn staff(d: &str) -> Actor {
        Actor::Staff {
            name: "李科员".into(),
            department_code: d.into(),
        }
    }

    #[test]
    fn departments_limit_who_acts() {
        let assign = Handling::Assign {
            department: "b".into(),
        };
        // Unassigned: only the office may take it; theirs: only them; the operator: always.
        assert!(matches!(
            check(&staff("a"), None, Received, &assign),
            Err(ApiError::Forbidden(_))
        ));
        let office = Actor::ComplaintsOffice {
            name: "王主任".into(),
        };
        assert_eq!(check(&office, None, Received, &assign).unwrap(), Assigned);
        assert_eq!(
            check(&staff("a"), Some("a"), Received, &assign).unwrap(),
            Assigned
        );
        assert!(matches!(
            check(&staff("a"), Some("b"), Received, &assign),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            check(
                &Actor::Cli { department: None },
                Some("b"),
                Assigned,
                &Handling::Reply { text: "x".into() }
            ),
            Ok(Replied)
        ));
        // 403 before 409.
        assert!(matches!(
            check(&staff("a"), Some("b"), Closed, &Handling::Close),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            check(&staff("a"), Some("a"), Received, &Handling::Close),
            Err(ApiError::Conflict(_))
        ));
        // Replying to an unassigned complaint: assign it first.
        let Err(ApiError::Conflict(m)) = check(
            &office,
            None,
            Received,
            &Handling::Reply { text: "x".into() },
        ) else {
            panic!()
        };
        assert!(m.contains("assign"), "{m}");
        assert!(
            !may_see(&staff("a"), None)
                && may_see(&staff("a"), Some("a"))
                && !may_see(&staff("a"), Some("b"))
        );
        assert!(may_see(&office, None) && may_see(&office, Some("b")));
    }

    fn bad(req: ComplaintAction) -> (String, String) {
        match Handling::from_request(&req) {
            Err(ApiError::BadRequest(f)) => (f[0].field.clone(), f[0].code.clone()),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    fn req(action: &str) -> ComplaintAction {
        ComplaintAction {
            action: action.into(),
            ..Default::default()
        }
    }

    #[test]
    fn requests_name_their_fields() {
        assert_eq!(bad(req("assign")), ("department".into(), "required".into()));
        assert_eq!(
            bad(ComplaintAction {
                text: Some("  ".into()),
                ..req("reply")
            }),
            ("text".into(), "required".into())
        );
        assert_eq!(
            bad(ComplaintAction {
                text: Some("字".repeat(MAX_REPLY_CHARS + 1)),
                ..req("reply")
            }),
            ("text".into(), "too_long".into())
        );
        assert_eq!(bad(req("")), ("action".into(), "required".into()));
        assert_eq!(bad(req("escalate")), ("action".into(), "invalid".into()));
        let r = ComplaintAction {
            text: Some(format!(" {} ", "字".repeat(MAX_REPLY_CHARS))),
            ..req("reply")
        };
        assert_eq!(
            Handling::from_request(&r).unwrap(),
            Handling::Reply {
                text: "字".repeat(MAX_REPLY_CHARS)
            }
        );
        let r = ComplaintAction {
            department: Some(" tlc ".into()),
            ..req(" assign ")
        };
        assert_eq!(
            Handling::from_request(&r).unwrap(),
            Handling::Assign {
                department: "tlc".into()
            }
        );
        assert_eq!(
            Handling::from_request(&req("close")).unwrap(),
            Handling::Close
        );
    }

    #[test]
    fn replies_awaited_and_ratings_allowed() {
        assert!(
            awaiting_reply(Received)
                && awaiting_reply(Assigned)
                && !awaiting_reply(Replied)
                && !awaiting_reply(Closed)
        );
        assert!(!may_rate(Received, false) && !may_rate(Assigned, false));
        assert!(may_rate(Replied, false) && may_rate(Closed, false));
        assert!(!may_rate(Closed, true));
    }
}
