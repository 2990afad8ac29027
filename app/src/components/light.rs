//! A deadline's traffic light, said in words and never by colour alone: a case's promised
//! date, a complaint's reply deadline, a rectification's due date.

use api_client::{Deadline, Light};
use leptos::prelude::*;

use crate::i18n::{k, t};

/// The light's class and its words.
pub fn light_words(l: Light) -> (&'static str, &'static str) {
    match l {
        Light::Green => ("light--green", t(k::LIGHT_GREEN)),
        Light::Yellow => ("light--yellow", t(k::LIGHT_YELLOW)),
        Light::Red => ("light--red", t(k::LIGHT_RED)),
    }
}

/// `due` says what the date is (承诺办结日期 …, 答复期限 …).
#[component]
pub fn DeadlineLight(
    deadline: Deadline,
    #[prop(into)] due: String,
    #[prop(default = "light")] testid: &'static str,
) -> impl IntoView {
    let (class, words) = light_words(deadline.light);
    view! {
        <p class=format!("light {class}") data-testid=testid data-light=format!("{:?}", deadline.light).to_lowercase() data-read-aloud="">
            <span class="light__dot" aria-hidden="true"></span>
            <strong>{words}</strong>" "
            {due}
        </p>
    }
}
