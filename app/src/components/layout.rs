//! The frame around every page: portal header and footer, or the kiosk's bars.

use leptos::prelude::*;

use crate::components::countdown::IdleCountdown;
use crate::components::keypad::Keypad;
use crate::components::offline_banner::OfflineBanner;
use crate::i18n::{k, t, tf, use_i18n, Locale};
use crate::kiosk_history::Trail;
use crate::mode::Mode;

/// The switch between the languages `offered`. Each choice is a form the server takes
/// without JavaScript (`crate::preferences`); the bundle switches in place.
fn language_switch(offered: Vec<Locale>) -> impl IntoView {
    let i18n = use_i18n();
    let current = i18n.locale.get_untracked();
    let back = crate::preferences::here();
    view! {
        <nav class="language-switch" aria-label=t(k::LANGUAGE_LABEL)>
            <ul>
                {offered
                    .into_iter()
                    .map(|l| {
                        let is_current = l == current;
                        view! {
                            <li>
                                <form class="inline-form" method="post" action=crate::preferences::ACTION
                                    on:submit=move |ev| { ev.prevent_default(); i18n.set(l) }>
                                    <input type="hidden" name="lang" value=l.tag()/>
                                    <input type="hidden" name="back" value=back.clone()/>
                                    <button
                                        type="submit"
                                        lang=l.lang()
                                        aria-current=is_current.then_some("true")
                                    >
                                        {l.native_name()}
                                    </button>
                                </form>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// The portal offers every language the app has.
#[component]
fn LanguageSwitch() -> impl IntoView {
    language_switch(Locale::ALL.to_vec())
}

/// A kiosk offers the languages its hall configured, in their order, and no switch at all
/// when that is one.
#[component]
fn KioskLanguageSwitch() -> impl IntoView {
    let settings = crate::kiosk_config::KioskSettings::get();
    move || {
        let offered: Vec<Locale> = settings.with(|c| {
            c.languages
                .iter()
                .filter_map(|tag| Locale::from_tag(tag))
                .collect()
        });
        (offered.len() > 1).then(|| language_switch(offered))
    }
}

#[component]
pub fn PortalLayout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">{t(k::NAV_SKIP)}</a>
        <header class="site-header">
            <div class="container site-header__inner">
                <a class="site-header__brand" href="/">
                    <span class="site-header__emblem" aria-hidden="true">"窗"</span>
                    <span>
                        <span class="site-header__name">{t(k::SITE_NAME)}</span>
                        <span class="site-header__tagline">{t(k::SITE_TAGLINE)}</span>
                    </span>
                </a>
                <div class="site-header__tools">
                    <crate::care::CareButton portal=true testid="care-toggle"/>
                    <LanguageSwitch/>
                </div>
            </div>
            <nav class="site-nav" aria-label=t(k::NAV_LABEL)>
                <ul class="container">
                    <li><a href="/">{t(k::NAV_HOME)}</a></li>
                    <li><a href="/services">{t(k::NAV_GUIDES)}</a></li>
                    <li><a href="/track">{t(k::NAV_TRACK)}</a></li>
                    <li><a href="/complaints" data-testid="nav-complaints">{t(k::NAV_COMPLAINTS)}</a></li>
                </ul>
            </nav>
        </header>
        <OfflineBanner/>
        <main id="main" class="container main" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <div class="container">
                <p>{t(k::FOOTER_HOTLINE)}</p>
                <p>{t(k::FOOTER_OWNER)}</p>
            </div>
        </footer>
    }
}

#[component]
pub fn KioskLayout(children: Children) -> impl IntoView {
    let settings = crate::kiosk_config::KioskSettings::get();
    let home = Mode::Kiosk.href("/");
    let trail = Trail::get();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let search = location.search.get();
        let query = search.trim_start_matches('?');
        let here = location.pathname.get();
        trail.arrive(if query.is_empty() {
            here
        } else {
            format!("{here}?{query}")
        });
    });
    let navigate = leptos_router::hooks::use_navigate();
    let replace = leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    };
    let back = {
        let (home, navigate, replace) = (home.clone(), navigate.clone(), replace.clone());
        move || {
            navigate(
                &trail.back().unwrap_or_else(|| home.clone()),
                replace.clone(),
            )
        }
    };
    crate::scanner::listen(move |to| navigate(to, replace.clone()));
    view! {
        <header class="kiosk-bar">
            <a class="kiosk-bar__brand" href=home.clone()>
                <span class="site-header__emblem" aria-hidden="true">"窗"</span>
                <span data-testid="kiosk-title">{move || tf(k::KIOSK_TITLE, &[("hall", &settings.with(|c| c.hall_name.clone()))])}</span>
            </a>
            <div class="kiosk-bar__tools">
                <crate::read_aloud::ReadAloudButton/>
                <crate::care::CareButton testid="care-toggle"/>
                <KioskLanguageSwitch/>
            </div>
        </header>
        <OfflineBanner/>
        <main id="main" class="kiosk-main" tabindex="-1">{children()}</main>
        <Keypad/>
        <IdleCountdown/>
        <nav class="kiosk-nav" aria-label=t(k::NAV_LABEL)>
            <button type="button" class="kiosk-nav__button" data-testid="kiosk-back" on:click=move |_| back()>
                <span aria-hidden="true">"‹ "</span>{t(k::ACTION_BACK)}
            </button>
            <a class="kiosk-nav__button" href=home>{t(k::NAV_HOME)}</a>
            // Ends the session with a quick rating of the visit (一次一评).
            <a class="kiosk-nav__button kiosk-nav__button--finish" href=Mode::Kiosk.href("/finish") data-testid="kiosk-finish">{t(k::KIOSK_FINISH)}</a>
        </nav>
    }
}
