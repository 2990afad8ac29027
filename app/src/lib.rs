//! OneWindow's shared Leptos code. The portal (`src/main.rs`) and the kiosk (`kiosk/`)
//! are two builds of it, differing only in the `Mode` they mount with.

pub mod api;
pub mod apply;
pub mod components;
pub mod format;
pub mod i18n;
pub mod mode;
pub mod pages;
pub mod shell;

pub use mode::Mode;

/// Mounts the app for `mode` on the page's body.
pub fn mount(mode: Mode) {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(move || leptos::view! { <shell::App mode/> });
}
