//! The root component: context (mode, language, the kiosk's settings), the router and the routes of each build.
//! Which build carries which page is `api_client::bundles`; a build meeting a page it does
//! not carry asks the server for it.

use api_client::bundles::{bundle_for, Bundle, KIOSK_PREFIX};
use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{path, StaticSegment};

use crate::apply::{draft::Drafts, supplement::SupplementPage, ApplyPage};
use crate::complaints::{
    form::ComplaintFormPage,
    lookup::{ComplaintPage, ComplaintsPage},
};
use crate::components::layout::{KioskLayout, PortalLayout};
use crate::components::needs_script::NeedsScript;
use crate::i18n::{I18n, Locale};
use crate::mode::{use_mode, Mode};
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

/// The portal's language: on the server, the reader's (`crate::ssr`); in the browser, the
/// language the server rendered the page in, else the one the visitor chose here before
/// (its cookie, which the server reads too), else the first of the browser's languages the
/// portal has. A kiosk starts in the reference language until its settings name the hall's
/// first (`kiosk_config`).
fn initial_locale(mode: Mode) -> Locale {
    if mode.is_kiosk() {
        return Locale::ALL[0];
    }
    #[cfg(feature = "ssr")]
    {
        crate::ssr::reader().map_or(Locale::ALL[0], |r| r.locale)
    }
    #[cfg(not(feature = "ssr"))]
    {
        crate::preload::locale()
            .or_else(crate::i18n::chosen)
            .and_then(|tag| Locale::from_tag(&tag))
            .unwrap_or_else(browser_locale)
    }
}

/// The first of the browser's languages (`navigator.languages`, most preferred first) that
/// the portal has, mapped as the API maps `Accept-Language` (`api_client::Language`).
#[cfg(not(feature = "ssr"))]
fn browser_locale() -> Locale {
    let navigator = window().navigator();
    let mut tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if tags.is_empty() {
        tags.extend(navigator.language());
    }
    let language = api_client::Language::first_of(tags.iter().map(String::as_str));
    Locale::from_tag(language.tag()).unwrap_or(Locale::ALL[0])
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
        // Only a choice is remembered: the first run is the language the portal started
        // in, which follows the browser's until the visitor picks one.
        Effect::new(move |started: Option<()>| {
            let locale = i18n.locale.get();
            if started.is_some() {
                crate::i18n::remember_choice(locale);
            }
        });
    }
    if mode.is_kiosk() {
        // Here, not in the kiosk's layout: the body renders anew on a language change, and
        // the visit, its pages and its idle time belong to the session.
        crate::kiosk_history::replace_only();
        crate::kiosk_history::Trail::provide();
        crate::kiosk_session::watch();
        crate::visit::start_session();
        crate::kiosk_config::KioskSettings::provide(i18n);
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("kiosk");
        }
    }
    crate::care::Care::provide(!mode.is_kiosk());
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

/// A path none of this bundle's routes match. Another bundle's page is loaded from the
/// server, which answers with the bundle that carries it (`api_client::bundles`); any other
/// path is not found.
#[component]
fn Elsewhere(this: Bundle) -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    if bundle_for(&path) == this && !api_client::bundles::is_server_page(&path) {
        view! { <NotFound/> }.into_any()
    } else {
        view! { <FullLoad/> }.into_any()
    }
}

/// Load the current URL from the server.
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
    let url = format!("{}{query}", location.pathname.get_untracked());
    // The kiosk's history never grows (`crate::kiosk_history`).
    let _ = if use_mode().is_kiosk() {
        window().location().replace(&url)
    } else {
        window().location().assign(&url)
    };
    view! { <crate::components::fetch::PageLoading/> }
}

/// The portal's own pages; the others are its apply and track bundles'.
#[component]
fn PortalRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere this=Bundle::Portal/> }>
            <PortalPages/>
        </Routes>
    }
}

/// Progress lookup: where the receipt's QR code lands, on phones, so it is a bundle of its own.
#[component]
fn TrackRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere this=Bundle::Track/> }>
            <TrackPages/>
        </Routes>
    }
}

#[component]
fn ApplyRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere this=Bundle::Apply/> }>
            <ApplyPages/>
        </Routes>
    }
}

/// The kiosk carries every page itself, below `/kiosk`: its own, and the portal's apply
/// and track pages, mounted from the same definitions.
#[component]
fn KioskRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere this=Bundle::Kiosk/> }>
            <KioskPages/>
        </Routes>
    }
}

/// The portal bundle's own pages.
#[component(transparent)]
fn PortalPages() -> AnyNestedRoute {
    view! {
        <Route path=path!("/") view=HomePage/>
        <Route path=path!("/services") view=CataloguePage/>
        <Route path=path!("/services/:code") view=GuidePage/>
        <Route path=path!("/services/:code/notice") view=NoticePage/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// Every page of the kiosk: its own and the apply and track bundles' pages, below `/kiosk`.
#[component(transparent)]
fn KioskPages() -> AnyNestedRoute {
    view! {
        <ParentRoute path=StaticSegment(KIOSK_PREFIX) view=Outlet>
            <Route path=path!("/guides") view=KioskBrowse/>
            <Route path=path!("/services/:code") view=GuidePage/>
            <Route path=path!("/services/:code/notice") view=NoticePage/>
            <ApplyPages/>
            <TrackPages/>
            <Route path=path!("/finish") view=KioskFinish/>
            <Route path=path!("") view=KioskHome/>
        </ParentRoute>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The track bundle's pages.
#[component(transparent)]
fn TrackPages() -> AnyNestedRoute {
    view! {
        <Route path=path!("/track") view=TrackLookup/>
        <Route path=path!("/track/:number") view=CasePage/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The apply bundle's pages: those that upload or follow an upload. The application flow,
/// its receipt, the answer to a supplement request, and complaints (the form uploads;
/// following one comes from its confirmation). They stay out of the track bundle, which QR
/// codes open on phones.
#[component(transparent)]
fn ApplyPages() -> AnyNestedRoute {
    view! {
        <Route path=path!("/services/:code/apply") view=|| view! { <NeedsScript page=true><ApplyPage/></NeedsScript> }/>
        <Route path=path!("/services/:code/apply/:step") view=|| view! { <NeedsScript page=true><ApplyPage/></NeedsScript> }/>
        <Route path=path!("/receipt/:number") view=|| view! { <NeedsScript page=true><ReceiptPage/></NeedsScript> }/>
        <Route path=path!("/track/:number/supplement") view=|| view! { <NeedsScript page=true><SupplementPage/></NeedsScript> }/>
        <Route path=path!("/complaints") view=|| view! { <ComplaintsPage/> }/>
        <Route path=path!("/complaints/new") view=|| view! { <NeedsScript page=true><ComplaintFormPage/></NeedsScript> }/>
        <Route path=path!("/complaints/:number") view=ComplaintPage/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The routes of each build against the one table: a build's routes take exactly the pages
/// the table gives it, and the kiosk takes every apply and track page below `/kiosk`.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use api_client::bundles::PORTAL_PAGES;
    use leptos_router::MatchNestedRoutes;

    use super::*;

    /// A page of `pattern`, with a value for each parameter.
    fn sample(pattern: &str) -> String {
        pattern
            .split('/')
            .map(|s| {
                if s.starts_with([':', '*']) {
                    "440113202401010001X"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn takes(routes: &AnyNestedRoute, path: &str) -> bool {
        let (matched, rest) = routes.match_nested(path);
        matched.is_some() && (rest.is_empty() || rest == "/")
    }

    #[test]
    fn each_build_routes_the_pages_the_table_gives_it() {
        let builds = [
            (Bundle::Portal, PortalPages()),
            (Bundle::Apply, ApplyPages()),
            (Bundle::Track, TrackPages()),
        ];
        let kiosk = KioskPages();
        for (pattern, owner) in PORTAL_PAGES {
            let path = sample(pattern);
            for (bundle, routes) in &builds {
                assert_eq!(
                    takes(routes, &path),
                    *bundle == owner,
                    "{bundle:?} routes {path}"
                );
            }
            if owner != Bundle::Portal {
                assert!(
                    takes(&kiosk, &format!("{KIOSK_PREFIX}{path}")),
                    "kiosk {path}"
                );
            }
        }
        for path in [
            "/kiosk",
            "/kiosk/",
            "/kiosk/guides",
            "/kiosk/finish",
            // The one-time notice is the portal's, and the kiosk's own too (it prints it).
            "/kiosk/services/440113-GA-GG-001/notice",
        ] {
            assert!(takes(&kiosk, path), "kiosk {path}");
        }
    }
}
