//! `cargo xtask bench`, part 1: what a first visit of each bundle downloads, against the
//! portal's budget.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::bundles::{self, BUNDLES};
use crate::util::{kb, step, Ctx};

/// First-visit budget of the portal, brotli-compressed (1 KB = 1024 bytes).
const PORTAL_BUDGET_KB: f64 = 200.0;

/// The size tables; true when the portal is within budget.
pub fn report(ctx: &Ctx, dist_dir: Option<&Path>, built: bool) -> Result<bool> {
    let dist = dist_dir.map_or_else(|| ctx.root.join("dist"), Path::to_path_buf);
    let mut within = None;
    for bundle in &BUNDLES {
        let dir = dist.join(bundle.name);
        if !dir.join("index.html").is_file() {
            if built || bundle.name == "portal" {
                bail!(
                    "{}/index.html not found: build the bundles first (cargo xtask build)",
                    dir.display()
                );
            }
            step!(
                "warning: {}/index.html not found: skipping the {} bundle",
                dir.display(),
                bundle.name
            );
            continue;
        }
        let report = bundles::first_visit(&dir, bundle.public_url)?;
        println!();
        bundles::print_report(
            &format!("{} first visit ({})", bundle.name, dir.display()),
            &report,
        );
        let total = report.total();
        if bundle.name == "portal" {
            let kib = total.brotli as f64 / 1024.0;
            let pass = kib <= PORTAL_BUDGET_KB;
            step!(
                "portal first visit: {kib:.1} KB brotli (target ≤ {PORTAL_BUDGET_KB:.0} KB): {}",
                if pass { "PASS" } else { "OVER" }
            );
            within = Some(pass);
        } else {
            step!("{} first visit: {} brotli", bundle.name, kb(total.brotli));
        }
    }
    within.context("the portal bundle was not measured")
}
