//! The root component: context (mode, language), the router and the routes of each build.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::apply::{draft::Drafts, supplement::SupplementPage, ApplyPage};
use crate::complaints::{
    form::ComplaintFormPage,
    lookup::{ComplaintPage, ComplaintsPage},
};
use crate::components::layout::{KioskLayout, PortalLayout};
use crate::i18n::{I18n, Locale};
use crate::mode::Mode;
use crate::pages::kiosk_finish::KioskFinish;
use crate::pages::{
    catalogue::CataloguePage,
    guide::GuidePage,
    home::HomePage,
    kiosk_browse::KioskBrowse,
    kiosk_home::KioskHome,
    not_found::NotFound,
    notice::NoticePage,
    receipt::ReceiptPage,
    track::{CasePage, TrackLookup},
};

/// Where the portal remembers the visitor's language. The kiosk remembers nothing.
const LOCALE_KEY: &str = "onewindow.locale";

fn initial_locale(mode: Mode) -> Locale {
    if mode.is_kiosk() {
        return Locale::ALL[0];
    }
    let stored = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LOCALE_KEY).ok().flatten());
    stored
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or(Locale::ALL[0])
}

/// The root: context, the router, and `body` (the layout and routes of one build). Each
/// build's entry point passes its own body, so a build carries only the pages it routes.
#[component]
pub fn App(mode: Mode, body: fn() -> AnyView) -> impl IntoView {
    provide_context(mode);
    let i18n = I18n::new(initial_locale(mode));
    provide_context(i18n);
    Drafts::provide(!mode.is_kiosk());
    if !mode.is_kiosk() {
        Effect::new(move |_| {
            let tag = i18n.locale.get().tag();
            if let Some(s) = window().local_storage().ok().flatten() {
                let _ = s.set_item(LOCALE_KEY, tag);
            }
        });
    }
    if mode.is_kiosk() {
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("kiosk");
        }
        crate::scanner::listen();
    }
    view! {
        <Router>
            // Texts are read once per render; a language change renders the body anew.
            {move || {
                i18n.locale.track();
                body()
            }}
        </Router>
    }
}

/// The portal without the application flow (its first visit stays small).
pub fn portal() -> AnyView {
    view! { <PortalLayout><PortalRoutes/></PortalLayout> }.into_any()
}

/// The portal's application flow, a bundle loaded when someone applies.
pub fn apply() -> AnyView {
    view! { <PortalLayout><ApplyRoutes/></PortalLayout> }.into_any()
}

/// Progress lookup, the page the receipt's QR code opens.
pub fn track() -> AnyView {
    view! { <PortalLayout><TrackRoutes/></PortalLayout> }.into_any()
}

/// Everything, in the kiosk's body.
pub fn kiosk() -> AnyView {
    view! { <KioskLayout><KioskRoutes/></KioskLayout> }.into_any()
}

/// A page this bundle does not carry: load it from the server, which answers with the
/// bundle that does.
#[component]
fn FullLoad() -> impl IntoView {
    // The router's URL, not the address bar's: the history entry may not be written yet.
    let location = leptos_router::hooks::use_location();
    let search = location.search.get_untracked();
    let query = if search.is_empty() {
        String::new()
    } else {
        format!("?{}", search.trim_start_matches('?'))
    };
    let _ = window()
        .location()
        .assign(&format!("{}{query}", location.pathname.get_untracked()));
    view! { <crate::components::fetch::Loading/> }
}

#[component]
fn PortalRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=HomePage/>
            <Route path=path!("/services") view=CataloguePage/>
            <Route path=path!("/services/:code") view=GuidePage/>
            <Route path=path!("/services/:code/notice") view=NoticePage/>
            <Route path=path!("/services/:code/apply") view=FullLoad/>
            <Route path=path!("/services/:code/apply/:step") view=FullLoad/>
            <Route path=path!("/receipt/:number") view=FullLoad/>
            <Route path=path!("/track") view=FullLoad/>
            <Route path=path!("/track/:number") view=FullLoad/>
            <Route path=path!("/track/:number/supplement") view=FullLoad/>
            <Route path=path!("/complaints") view=FullLoad/>
            <Route path=path!("/complaints/new") view=FullLoad/>
            <Route path=path!("/complaints/:number") view=FullLoad/>
        </Routes>
    }
}

/// Progress lookup: where the receipt's QR code lands, on phones, so it is a bundle of its own.
#[component]
fn TrackRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <FullLoad/> }>
            <Route path=path!("/track") view=TrackLookup/>
            <Route path=path!("/track/:number") view=CasePage/>
        </Routes>
    }
}

/// The pages that upload or follow an upload: the application flow, its receipt, the
/// answer to a supplement request, and complaints (the form uploads; following one comes
/// from its confirmation). They stay out of the track bundle, which QR codes open on phones.
#[component]
fn ApplyRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <FullLoad/> }>
            <Route path=path!("/services/:code/apply") view=ApplyPage/>
            <Route path=path!("/services/:code/apply/:step") view=ApplyPage/>
            <Route path=path!("/receipt/:number") view=|| view! { <ReceiptPage/> }/>
            <Route path=path!("/track/:number/supplement") view=SupplementPage/>
            <Route path=path!("/complaints") view=|| view! { <ComplaintsPage/> }/>
            <Route path=path!("/complaints/new") view=ComplaintFormPage/>
            <Route path=path!("/complaints/:number") view=ComplaintPage/>
        </Routes>
    }
}

#[component]
fn KioskRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/kiosk") view=KioskHome/>
            <Route path=path!("/kiosk/guides") view=KioskBrowse/>
            <Route path=path!("/kiosk/services/:code") view=GuidePage/>
            <Route path=path!("/kiosk/services/:code/apply") view=ApplyPage/>
            <Route path=path!("/kiosk/services/:code/apply/:step") view=ApplyPage/>
            <Route path=path!("/kiosk/receipt/:number") view=|| view! { <ReceiptPage/> }/>
            <Route path=path!("/kiosk/track") view=TrackLookup/>
            <Route path=path!("/kiosk/track/:number") view=CasePage/>
            <Route path=path!("/kiosk/track/:number/supplement") view=SupplementPage/>
            <Route path=path!("/kiosk/complaints") view=|| view! { <ComplaintsPage/> }/>
            <Route path=path!("/kiosk/complaints/new") view=ComplaintFormPage/>
            <Route path=path!("/kiosk/complaints/:number") view=ComplaintPage/>
            <Route path=path!("/kiosk/finish") view=KioskFinish/>
        </Routes>
    }
}
