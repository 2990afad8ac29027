//! One module per page. Pages fetch; components render.

pub mod case_rating;
pub mod catalogue;
pub mod guide;
pub mod home;
pub mod kiosk_browse;
pub mod kiosk_finish;
pub mod kiosk_home;
pub mod not_found;
pub mod notice;
pub mod receipt;
pub mod track;
