//! What a visitor has typed into a form that holds it in the page's own signals (the
//! progress and complaint lookups), kept while they stay on that page: a change of language
//! draws the page anew (`crate::shell`) and must lose nothing typed. Memory only, and only
//! the current page's: arriving at another page (another path or query, such as a scanned
//! number's `?n=`) starts afresh, and the reload that ends a kiosk visit wipes it.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;

/// The page the values belong to, and the values by name.
type Page = (String, HashMap<&'static str, Box<dyn Any>>);

thread_local! {
    static KEPT: RefCell<Page> = RefCell::new((String::new(), HashMap::new()));
}

/// A signal for the value `name` of this page's form: what it held when the page was last
/// drawn, else `initial()`; every change is kept.
pub fn kept<T: Clone + Send + Sync + 'static>(
    name: &'static str,
    initial: impl FnOnce() -> T,
) -> RwSignal<T> {
    let location = leptos_router::hooks::use_location();
    let page = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    let before = KEPT.with(|k| {
        let mut k = k.borrow_mut();
        if k.0 != page {
            *k = (page.clone(), HashMap::new());
        }
        k.1.get(name).and_then(|v| v.downcast_ref::<T>()).cloned()
    });
    let value = RwSignal::new(before.unwrap_or_else(initial));
    Effect::new(move |_| {
        let now = value.get();
        KEPT.with(|k| {
            let mut k = k.borrow_mut();
            if k.0 == page {
                k.1.insert(name, Box::new(now));
            }
        });
    });
    value
}
