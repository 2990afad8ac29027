//! The kiosk's configuration (`api_client::KioskConfig`: hall name, hotline, idle and
//! countdown times, printer, languages), read once at boot and held in a context for every
//! page. Until it arrives, and when it cannot be fetched, the kiosk runs on the defaults:
//! a hall without its name is better than a dead screen.

use api_client::KioskConfig;
use leptos::prelude::*;

use crate::api::{client, with_retry};
use crate::i18n::{I18n, Locale};

/// This kiosk's configuration, the defaults until the server's has come.
#[derive(Clone, Copy)]
pub struct KioskSettings(RwSignal<KioskConfig>);

impl KioskSettings {
    /// Provides the settings and fetches the server's; the session then starts in the first
    /// language the hall offers.
    pub fn provide(i18n: I18n) {
        let settings = KioskSettings(RwSignal::new(KioskConfig::default()));
        provide_context(settings);
        leptos::task::spawn_local(async move {
            let api = client();
            match with_retry(|| api.kiosk_config()).await {
                Ok(config) => {
                    let first = config.languages.first().and_then(|t| Locale::from_tag(t));
                    settings.0.set(config);
                    if let Some(first) = first.filter(|l| *l != i18n.locale.get_untracked()) {
                        i18n.set(first);
                    }
                }
                Err(e) => {
                    leptos::logging::warn!("kiosk configuration not read, defaults kept: {e}")
                }
            }
        });
    }

    /// The settings of this kiosk (the defaults outside one).
    pub fn get() -> KioskSettings {
        use_context::<KioskSettings>()
            .unwrap_or_else(|| KioskSettings(RwSignal::new(KioskConfig::default())))
    }

    /// Reads the configuration, tracked.
    pub fn with<T>(self, f: impl FnOnce(&KioskConfig) -> T) -> T {
        self.0.with(f)
    }

    /// Reads the configuration, untracked (timers, event handlers).
    pub fn with_untracked<T>(self, f: impl FnOnce(&KioskConfig) -> T) -> T {
        self.0.with_untracked(f)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use crate::i18n::Locale;

    /// The languages a kiosk may offer are the locale files the app has.
    #[test]
    fn the_offered_languages_are_the_apps() {
        let ours: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
        assert_eq!(ours, api_client::kiosk::LANGUAGES);
    }
}
