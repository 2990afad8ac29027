//! `server rectification list|answer`: the rectifications (整改) poor ratings opened.

use clap::Subcommand;

use super::{explain, number_arg};
use crate::config::StorageArgs;
use crate::db;

#[derive(Subcommand)]
pub enum RectificationCommand {
    /// Every rectification: unanswered first, by due date.
    List {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        page: super::PageArgs,
    },
    /// Answer the rectification of a case.
    Answer {
        #[command(flatten)]
        storage: StorageArgs,
        /// The case's acceptance number (受理号).
        number: String,
        /// What happened (情况说明).
        #[arg(long)]
        explanation: String,
        /// What was done about it (整改措施).
        #[arg(long = "action-taken")]
        action_taken: String,
    },
}

pub async fn run(command: RectificationCommand) -> anyhow::Result<()> {
    use crate::cases::lifecycle::Actor;
    use crate::ratings::rectification;
    use crate::state::Snapshot;
    match command {
        RectificationCommand::List { storage, page } => {
            let paging = page.paging();
            let pool = db::connect(&storage).await?;
            let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
            println!(
                "{:<18} {:<12} {:<5} {:<10} {:<6} {:<8} SERVICE",
                "NUMBER", "DEPARTMENT", "LEVEL", "DUE", "LIGHT", "ANSWERED"
            );
            let (list, total) = rectification::list(&pool, &catalogue, None, paging)
                .await
                .map_err(explain)?;
            let shown = list.len();
            for rectification::Listed {
                department_code,
                rectification: r,
            } in list
            {
                let light = r
                    .rectification
                    .deadline
                    .as_ref()
                    .map(|d| format!("{:?}", d.light).to_lowercase())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<18} {:<12} {:<5} {:<10} {:<6} {:<8} {}",
                    r.acceptance_number,
                    department_code,
                    r.level,
                    r.rectification.due_date,
                    light,
                    if r.rectification.answered {
                        "yes"
                    } else {
                        "no"
                    },
                    r.service.name
                );
            }
            super::page_footer(paging, shown, total);
            Ok(())
        }
        RectificationCommand::Answer {
            storage,
            number,
            explanation,
            action_taken,
        } => {
            let number = number_arg(&number)?;
            let answer = api_client::RectificationAnswer {
                explanation,
                action_taken,
            };
            let pool = db::connect(&storage).await?;
            let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
            let actor = Actor::Cli { department: None };
            rectification::answer(&pool, &catalogue, &number, &actor, &answer)
                .await
                .map_err(explain)?;
            println!("answered");
            Ok(())
        }
    }
}
