//! Whether an upload may start, beyond its size: how many are received at once (a
//! semaphore), how many bytes one client address has sent lately (`quota`), and how much
//! room is left on the data directory's disk (`disk`). The upload use case asks all three
//! before it reads a byte and charges the quota as the bytes arrive.

pub mod disk;
pub mod quota;

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::UploadAdmission;
use quota::Quota;

/// The shared state of upload admission, one per server.
pub struct Admission {
    slots: Arc<Semaphore>,
    pub quota: Quota,
    pub settings: UploadAdmission,
}

impl Admission {
    pub fn new(settings: &UploadAdmission) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
            quota: Quota::new(settings.quota_bytes, settings.quota_window),
            settings: settings.clone(),
        }
    }

    /// A slot for one upload while it is received, or `None` when all are taken (the
    /// caller does not queue: a waiting upload would hold its connection anyway).
    pub fn try_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }
}
