//! The visit a kiosk session rates (一次一评). A session begins with a full load of the
//! kiosk (each one ends with a reload), so the visit is started when the kiosk's layout
//! mounts, and its id lives in memory only: the next session's reload forgets it. The
//! kiosk's device token never passes through here: the browser sends it as an `HttpOnly`
//! cookie.

use api_client::ClientError;
use leptos::prelude::*;

use crate::api::client;

/// The id of this session's visit, once the server has given one.
#[derive(Clone, Copy)]
pub struct Visit(RwSignal<Option<String>>);

/// Provides this session's visit and starts it (a kiosk that is not registered gets none;
/// its rating page says so).
pub fn start_session() {
    let visit = Visit(RwSignal::new(None));
    provide_context(visit);
    leptos::task::spawn_local(async move {
        if let Ok(started) = client().start_visit().await {
            visit.0.set(Some(started.visit));
        }
    });
}

impl Visit {
    /// This session's visit, started now when starting it earlier failed (offline then).
    pub async fn id(self) -> Result<String, ClientError> {
        if let Some(id) = self.0.get_untracked() {
            return Ok(id);
        }
        let started = client().start_visit().await?;
        self.0.set(Some(started.visit.clone()));
        Ok(started.visit)
    }
}
