//! OneWindow's shared Leptos code. The portal (`src/main.rs`, with its application flow
//! in `src/apply_main.rs`) and the kiosk (`kiosk/`) are builds of it, differing only in
//! the body they mount.

pub mod api;
pub mod apply;
pub mod care;
pub mod codes;
pub mod complaints;
pub mod components;
pub mod connectivity;
pub mod crash;
pub mod format;
pub mod head;
pub mod hydration;
pub mod i18n;
pub mod kept;
pub mod kiosk_config;
pub mod kiosk_guard;
pub mod kiosk_history;
pub mod kiosk_session;
pub mod mode;
pub mod pages;
pub mod preferences;
pub mod preload;
pub mod read_aloud;
pub mod scanner;
pub mod shell;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod visit;

pub use mode::Mode;

fn mount(mode: Mode, body: fn() -> leptos::prelude::AnyView) {
    if mode.is_kiosk() {
        crash::install();
    } else {
        console_error_panic_hook::set_once();
    }
    let app = move || leptos::view! { <shell::App mode body/> };
    // A page the server rendered is taken over where it stands; the kiosk, and a portal
    // page served without its render, are drawn here.
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    if !mode.is_kiosk() && preload::read_from_document() {
        leptos::mount::hydrate_body(app);
        mark_ready();
        return;
    }
    leptos::mount::mount_to_body(app);
    mark_ready();
}

/// Says on `<html>` that the bundle runs (`data-ready`): until then a page the server
/// rendered is only its HTML. The end-to-end tests wait for it.
fn mark_ready() {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-ready", "");
    }
}

/// The portal, without the application flow.
pub fn mount_portal() {
    mount(Mode::Portal, shell::portal);
}

/// The portal's application flow.
pub fn mount_apply() {
    mount(Mode::Portal, shell::apply);
}

/// Progress lookup, where receipts' QR codes land.
pub fn mount_track() {
    mount(Mode::Portal, shell::track);
}

/// The kiosk: everything, in its own body.
pub fn mount_kiosk() {
    // Here rather than in the shared root, so that the portal's builds do not carry it.
    kiosk_guard::install();
    mount(Mode::Kiosk, shell::kiosk);
}
