//! Previous / next page links with the position between them.

use leptos::prelude::*;

use crate::i18n::{k, t, tf};

#[component]
pub fn Pagination(
    page: u32,
    per_page: u32,
    total: u64,
    href: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    let pages = total.div_ceil(per_page.max(1) as u64).max(1) as u32;
    (pages > 1).then(|| {
        view! {
            <nav class="pagination" aria-label=t(k::PAGINATION_LABEL)>
                {(page > 1).then(|| view! {
                    <a class="pagination__link" rel="prev" href=href(page - 1)>{t(k::PAGINATION_PREVIOUS)}</a>
                })}
                <span class="pagination__status">
                    {tf(k::PAGINATION_STATUS, &[("page", &page.to_string()), ("pages", &pages.to_string())])}
                </span>
                {(page < pages).then(|| view! {
                    <a class="pagination__link" rel="next" href=href(page + 1)>{t(k::PAGINATION_NEXT)}</a>
                })}
            </nav>
        }
    })
}
