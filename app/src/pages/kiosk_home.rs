//! The kiosk's attract screen, filling the screen in either orientation: the hall's name,
//! the date and a live clock, the four tasks as large tiles, how to scan a receipt (with a
//! drawn example receipt carrying a real QR code), elderly mode and the hall's hotline
//! (name and hotline from the kiosk's settings). Tasks that are not built yet are shown as
//! unavailable, never as working buttons.

use api_client::checks::AcceptanceNumber;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::care::CareButton;
use crate::components::heading::PageHeading;
use crate::i18n::{k, locale, t, tf, Key};
use crate::kiosk_config::KioskSettings;
use crate::mode::Mode;

struct Task {
    title: Key,
    description: Key,
    icon: &'static str,
    href: Option<&'static str>,
}

const TASKS: [Task; 4] = [
    Task {
        title: k::TASK_GUIDES,
        description: k::TASK_GUIDES_DESC,
        icon: "指",
        href: Some("/guides"),
    },
    Task {
        title: k::TASK_APPLY,
        description: k::TASK_APPLY_DESC,
        icon: "报",
        href: Some("/guides"),
    },
    Task {
        title: k::TASK_TRACK,
        description: k::TASK_TRACK_DESC,
        icon: "查",
        href: Some("/track"),
    },
    Task {
        title: k::TASK_COMPLAIN,
        description: k::TASK_COMPLAIN_DESC,
        icon: "评",
        href: Some("/complaints/new"),
    },
];

/// The clock moves on this often; a minute's change shows within a second.
const TICK_MS: u32 = 1_000;

/// What the example receipt's QR code holds: a tracking address of the form receipts
/// carry (`/track/{number}?c={code}`), on a reserved example domain, so that a phone
/// pointed at the screen reaches no one's case.
fn example_tracking_url() -> String {
    let number = AcceptanceNumber::new("440113", "261201", 8)
        .map(|n| n.compact().to_string())
        .unwrap_or_default();
    format!("https://onewindow.example/track/{number}?c=K7QW2M")
}

/// The QR code of `text` as inline SVG (the document's XML prologue dropped).
fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    }
}

/// `{key: value}` options for the browser's `Intl` date formatting.
fn intl_options(pairs: &[(&str, &str)]) -> JsValue {
    let options = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options.into()
}

/// Today's date and the time, in the visitor's language, ticking while the screen shows.
#[component]
fn Clock() -> impl IntoView {
    let now = RwSignal::new(js_sys::Date::now());
    let tick = gloo_timers::callback::Interval::new(TICK_MS, move || {
        let _ = now.try_set(js_sys::Date::now());
    });
    // The interval is the page's, not the reactive system's: it stops when the screen goes.
    let tick = send_wrapper::SendWrapper::new(tick);
    on_cleanup(move || drop(tick));
    let lang = locale().lang();
    let date = move || {
        js_sys::Date::new(&JsValue::from_f64(now.get()))
            .to_locale_date_string(
                lang,
                &intl_options(&[
                    ("year", "numeric"),
                    ("month", "long"),
                    ("day", "numeric"),
                    ("weekday", "long"),
                ]),
            )
            .as_string()
            .unwrap_or_default()
    };
    let time = move || {
        js_sys::Date::new(&JsValue::from_f64(now.get()))
            .to_locale_time_string_with_options(
                lang,
                &intl_options(&[
                    ("hour", "2-digit"),
                    ("minute", "2-digit"),
                    ("hourCycle", "h23"),
                ]),
            )
            .as_string()
            .unwrap_or_default()
    };
    view! {
        <p class="attract__clock">
            <span class="attract__time" data-testid="kiosk-clock">{time}</span>
            <span class="attract__date" data-testid="kiosk-date">{date}</span>
        </p>
    }
}

/// How to open a case with its receipt: a drawing of the receipt, marked as an example,
/// with a real QR code of the form receipts carry.
#[component]
fn ScanHint() -> impl IntoView {
    let qr = qr_svg(&example_tracking_url());
    view! {
        <section class="attract__scan scan-hint" aria-labelledby="scan-hint-title" data-testid="scan-hint">
            <div class="scan-hint__receipt" role="img" aria-label=t(k::ATTRACT_SCAN_PICTURE)>
                <span class="scan-hint__example" aria-hidden="true">{t(k::ATTRACT_SCAN_EXAMPLE)}</span>
                <span class="scan-hint__line scan-hint__line--title"></span>
                <span class="scan-hint__line"></span>
                <span class="scan-hint__line scan-hint__line--short"></span>
                <span class="scan-hint__qr" data-testid="scan-hint-qr" inner_html=qr></span>
            </div>
            <div class="scan-hint__text">
                <h2 id="scan-hint-title" class="scan-hint__title">{t(k::ATTRACT_SCAN_TITLE)}</h2>
                <p class="scan-hint__body">{t(k::ATTRACT_SCAN_BODY)}</p>
            </div>
        </section>
    }
}

#[component]
pub fn KioskHome() -> impl IntoView {
    let settings = KioskSettings::get();
    view! {
        <div class="attract" data-testid="attract">
            <div class="attract__top">
                <p class="attract__hall" data-testid="kiosk-hall">{move || settings.with(|c| c.hall_name.clone())}</p>
                <Clock/>
                <PageHeading text=t(k::KIOSK_WELCOME)/>
                <p class="lead attract__lead">{t(k::KIOSK_WELCOME_LEAD)}</p>
            </div>
            <ul class="task-grid attract__tasks">
                {TASKS.iter().map(|task| {
                    let inner = view! {
                        <span class="tile__icon" aria-hidden="true">{task.icon}</span>
                        <span class="tile__title">{t(task.title)}</span>
                        <span class="tile__text">{t(task.description)}</span>
                    };
                    match task.href {
                        Some(path) => view! {
                            <li><a class="tile tile--task" href=Mode::Kiosk.href(path)>{inner}</a></li>
                        }.into_any(),
                        None => view! {
                            <li>
                                <div class="tile tile--task tile--unavailable" aria-disabled="true">
                                    {inner}
                                    <span class="tile__badge">{t(k::TASK_UNAVAILABLE)}</span>
                                </div>
                            </li>
                        }.into_any(),
                    }
                }).collect_view()}
            </ul>
            <ScanHint/>
            <div class="attract__help">
                <CareButton large=true testid="attract-care"/>
                // The hotline is said, never dialled: the kiosk has no phone to open.
                <p class="attract__hotline" data-testid="kiosk-hotline" data-read-aloud="">
                    {move || settings.with(|c| tf(k::KIOSK_HOTLINE, &[("hotline", &c.hotline)]))}
                </p>
            </div>
        </div>
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// The example reads as a real receipt's QR: a tracking address that the kiosk's own
    /// scanner would take for a case.
    #[test]
    fn the_example_qr_holds_a_tracking_address() {
        let url = example_tracking_url();
        assert!(crate::scanner::read(&url).is_some_and(|scan| scan.code.is_some()));
        let svg = qr_svg(&url);
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>"),
            "{svg:.80}"
        );
    }
}
