//! The kiosk's attract screen: the hall's name, the four tasks as large tiles and the
//! hall's hotline (both from the kiosk's settings). Tasks that are not built yet are shown
//! as unavailable, never as working buttons.

use leptos::prelude::*;

use crate::components::heading::PageHeading;
use crate::i18n::{k, t, tf, Key};
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

#[component]
pub fn KioskHome() -> impl IntoView {
    let settings = KioskSettings::get();
    view! {
        <div class="attract">
            <p class="attract__hall" data-testid="kiosk-hall">{move || settings.with(|c| c.hall_name.clone())}</p>
            <PageHeading text=t(k::KIOSK_WELCOME)/>
            <p class="lead">{t(k::KIOSK_WELCOME_LEAD)}</p>
            <ul class="task-grid">
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
            <p class="attract__hotline" data-testid="kiosk-hotline">
                {move || settings.with(|c| tf(k::KIOSK_HOTLINE, &[("hotline", &c.hotline)]))}
            </p>
        </div>
    }
}
