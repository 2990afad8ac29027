//! Components shared by the pages of both builds; one module each.

pub mod fetch;
pub mod heading;
pub mod keypad;
pub mod layout;
pub mod materials_table;
pub mod pagination;
pub mod search_form;
pub mod service_list;
