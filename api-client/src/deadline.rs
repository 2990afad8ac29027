//! A promised date and its traffic light: cases, complaints and rectifications all keep one,
//! so it lives below all three.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The traffic light of a deadline: green on track, yellow inside the last working day,
/// red overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Deadline {
    /// `YYYY-MM-DD`: the promised completion date, moved on by any pause.
    pub date: String,
    pub light: Light,
    /// True while a supplement is outstanding (the clock is stopped).
    pub paused: bool,
}
