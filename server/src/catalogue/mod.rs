//! The service catalogue: catalogue files, their validation, the import that staff and the
//! demo both use, and reading the catalogue back.

pub mod demo;
mod file;
pub mod hant;
mod store;
mod validate;

pub use file::{Batch, Problem, Problems};
pub use store::{is_empty, load, version, Catalogue};
pub use validate::validate;

use sqlx::AnyPool;

/// What an import wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub services: usize,
    pub departments: usize,
    pub topics: usize,
    pub synonym_groups: Option<usize>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} services, {} departments, {} topics",
            self.services, self.departments, self.topics
        )?;
        if let Some(n) = self.synonym_groups {
            write!(f, ", {n} synonym groups")?;
        }
        Ok(())
    }
}

/// Validates the batch against itself and the stored catalogue, then writes it in one
/// transaction. On any problem nothing is written and every problem is reported.
pub async fn import(pool: &AnyPool, batch: &Batch) -> anyhow::Result<ImportSummary> {
    let mut tx = pool.begin().await?;
    let known = store::known_codes(&mut tx).await?;
    let problems = validate(batch, &known);
    if !problems.is_empty() {
        return Err(Problems(problems).into());
    }
    let summary = store::write(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(summary)
}
