//! The demo catalogue (catalogue/demo/*.json), compiled into the server so that a fresh
//! install has a realistic catalogue without any file at hand. It goes through the same
//! parse, validation and import as a staff member's file.

use super::{Batch, Problems};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

pub fn batch() -> Result<Batch, Problems> {
    Batch::from_texts(DEMO_FILES)
}
