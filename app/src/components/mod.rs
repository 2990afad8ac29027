//! Components shared by the pages of both builds; one module each.

pub mod code_input;
pub mod countdown;
pub mod error_summary;
pub mod fetch;
pub mod heading;
pub mod keypad;
pub mod layout;
pub mod light;
pub mod materials_table;
pub mod needs_script;
pub mod offline_banner;
pub mod pagination;
pub mod print_button;
pub mod rating;
pub mod search_form;
pub mod service_list;
pub mod text_area;
