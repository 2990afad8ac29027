//! Which body the shared code is running in: the web portal or the hall kiosk. The kiosk
//! lives under `/kiosk`, so every internal link is built with `Mode::href`.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Portal,
    Kiosk,
}

impl Mode {
    pub fn base(self) -> &'static str {
        match self {
            Mode::Portal => "",
            Mode::Kiosk => api_client::bundles::KIOSK_PREFIX,
        }
    }

    /// An app path (`/services/x`) as a URL path of this build.
    pub fn href(self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn is_kiosk(self) -> bool {
        self == Mode::Kiosk
    }
}

pub fn use_mode() -> Mode {
    use_context::<Mode>().unwrap_or(Mode::Portal)
}
