//! The moment a bundle takes over a page the server rendered. Until then the page is only
//! its HTML, and a visitor may already have typed into its fields: hydration writes each
//! field's value from its signal, so a field that keeps its text reads it first.

/// What was typed into the input `id` before the bundle took the page over, while it does.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub fn typed_before(id: &str) -> Option<String> {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    let hydrating = Owner::current_shared_context().is_some_and(|c| c.during_hydration());
    if !hydrating {
        return None;
    }
    let input = document()
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?;
    Some(input.value()).filter(|v| !v.is_empty())
}

/// Elsewhere nothing is hydrated: the page is drawn by the bundle (or on the server).
#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
pub fn typed_before(_id: &str) -> Option<String> {
    None
}
