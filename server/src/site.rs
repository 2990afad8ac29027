//! What the public site tells search engines: `/robots.txt` (guides and the catalogue may be
//! indexed; cases, receipts, complaints, the application flow, the kiosk and the API may
//! not, since their addresses can carry an applicant's number and query code) and
//! `/sitemap.xml` (the home page, the catalogue and every service guide, at the
//! installation's public address).

use quick_xml::escape::escape;

use crate::error::ApiError;
use crate::state::AppState;

/// Paths no crawler should fetch: pages of one applicant's case or complaint, the
/// application flow (nothing to index, and a crawler must not start drafts), the kiosk,
/// the API.
const DISALLOWED: [&str; 7] = [
    "/api/",
    "/track/",
    "/receipt/",
    "/complaints/",
    "/kiosk/",
    "/services/*/apply",
    "/services/*/notice",
];

/// `/robots.txt`, naming the sitemap at `public_url`.
pub fn robots(public_url: &str) -> String {
    let mut out = String::from("User-agent: *\n");
    for path in DISALLOWED {
        out.push_str("Disallow: ");
        out.push_str(path);
        out.push('\n');
    }
    out.push_str(&format!("\nSitemap: {public_url}/sitemap.xml\n"));
    out
}

/// `/sitemap.xml`: the pages of the current catalogue, in its order.
pub async fn sitemap(state: &AppState) -> Result<String, ApiError> {
    let catalogue = state.catalogue().await?;
    let base = &state.config.public_url;
    let pages = ["/".to_string(), "/services".to_string()]
        .into_iter()
        .chain(
            catalogue
                .guides
                .iter()
                .map(|g| format!("/services/{}", g.code)),
        );
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages {
        out.push_str("  <url><loc>");
        out.push_str(&escape(format!("{base}{page}").as_str()));
        out.push_str("</loc></url>\n");
    }
    out.push_str("</urlset>\n");
    Ok(out)
}

/// A guide as schema.org's `GovernmentService` (JSON-LD), for the guide's page at `url`.
/// Written for a script element (`app::preload::script_json`): no text can close it.
pub fn government_service(guide: &api_client::ServiceGuide, url: &str) -> String {
    let mut service = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": guide.name,
        "identifier": guide.code,
        "url": url,
        "serviceType": guide.name,
        "provider": {
            "@type": "GovernmentOrganization",
            "name": guide.department.name,
        },
        "audience": guide.audience.iter().map(|a| serde_json::json!({
            "@type": "Audience",
            "audienceType": a.as_str(),
        })).collect::<Vec<_>>(),
    });
    if !guide.location.is_empty() {
        service["availableChannel"] = serde_json::json!({
            "@type": "ServiceChannel",
            "serviceLocation": { "@type": "Place", "name": guide.location, "address": guide.location },
            "servicePhone": { "@type": "ContactPoint", "telephone": guide.consult_phone },
            "availableLanguage": ["zh-Hans", "zh-Hant"],
        });
    }
    app::preload::script_json(&service)
}
