//! `server case NUMBER ACTION`: a lifecycle action as an operator (any department).

use clap::Args;

use super::explain;
use crate::config::StorageArgs;
use crate::db;

#[derive(Args)]
pub struct CaseArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The acceptance number (受理号), with or without separators.
    number: String,
    /// accept, not_accept, request_supplement, supplement_received, review, approve, deny,
    /// complete or withdraw.
    action: String,
    /// Why (not_accept, deny).
    #[arg(long)]
    reason: Option<String>,
    /// The review step's name (review), e.g. 初审.
    #[arg(long)]
    step: Option<String>,
    /// An opinion (review, approve).
    #[arg(long)]
    opinion: Option<String>,
    /// A missing or wrong item (request_supplement), `NAME:NOTE`; repeat for each item.
    #[arg(long = "item")]
    items: Vec<String>,
    /// How the result is delivered (complete): window, post or electronic.
    #[arg(long)]
    delivery: Option<String>,
    /// The department recorded on the event (default: the case's department).
    #[arg(long)]
    department: Option<String>,
}

pub async fn run(args: CaseArgs) -> anyhow::Result<()> {
    use crate::cases::lifecycle::{self, Actor};
    let number = api_client::checks::AcceptanceNumber::parse(&args.number)
        .map_err(|e| anyhow::anyhow!("`{}` is not an acceptance number ({e:?})", args.number))?;
    let items = args
        .items
        .iter()
        .map(|i| {
            let (name, note) = match i.split_once(':').or_else(|| i.split_once('：')) {
                Some((n, note)) => (n, note),
                None => (i.as_str(), ""),
            };
            api_client::SupplementItem {
                material_id: None,
                name: name.trim().to_string(),
                note: note.trim().to_string(),
            }
        })
        .collect::<Vec<_>>();
    let req = api_client::ActionRequest {
        action: args.action.clone(),
        reason: args.reason,
        items: if items.is_empty() { None } else { Some(items) },
        step: args.step,
        opinion: args.opinion,
        delivery: args.delivery,
    };
    let pool = db::connect(&args.storage).await?;
    let actor = Actor::Cli {
        department: args.department.map(|d| d.trim().to_string()),
    };
    let done = lifecycle::act(&pool, number.compact(), &actor, &req)
        .await
        .map_err(explain)?;
    println!("{}", done.status.as_str());
    if let Some(d) = done.deadline {
        eprintln!(
            "due {} ({:?}{})",
            d.date,
            d.light,
            if d.paused { ", paused" } else { "" }
        );
    }
    Ok(())
}
