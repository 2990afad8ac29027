//! The print button of the pages that print (the receipt, the one-time notice, the complaint
//! slip). The portal always offers it; a kiosk only when its configuration says a receipt
//! printer is attached, since a print dialog with no printer behind it is a dead end for a
//! visitor who cannot leave the kiosk.

use leptos::prelude::*;

use crate::kiosk_config::KioskSettings;
use crate::mode::use_mode;

#[component]
pub fn PrintButton(label: &'static str, #[prop(optional)] secondary: bool) -> impl IntoView {
    let mode = use_mode();
    let settings = KioskSettings::get();
    let class = if secondary {
        "button button--secondary"
    } else {
        "button"
    };
    // Tracked: the kiosk's configuration arrives after boot.
    move || {
        (!mode.is_kiosk() || settings.with(|c| c.printer)).then(|| {
            view! {
                <button type="button" class=class data-testid="print" on:click=|_| { let _ = window().print(); }>{label}</button>
            }
        })
    }
}
