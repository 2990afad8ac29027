//! `/healthz` (the process is alive) and `/readyz` (the database answers and carries every
//! migration of this build), for a proxy's health checks.

use crate::support::{Backend, Options, TestServer};
use reqwest::StatusCode;

backend_tests!(ready_only_with_every_migration_applied);

async fn ready_only_with_every_migration_applied(backend: Backend) {
    let server = or_skip!(TestServer::start_with(backend, Options { no_demo: true }));
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");

    // A database a migration behind this build (as when an older node's database is
    // pointed at): not ready, said without a 500; still alive.
    server
        .execute_sql("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .await;
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not ready");
    let (status, _) = server.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_nodes_starting_at_once_on_an_empty_database_both_come_up() {
        super::two_nodes_starting_at_once_on_an_empty_database_both_come_up().await;
    }
}

/// One imports the demo catalogue, the other waits and finds it: both answer, with the
/// same services.
async fn two_nodes_starting_at_once_on_an_empty_database_both_come_up() {
    let Some((a, b)) = TestServer::start_two_at_once(&[]).await else {
        return;
    };
    let (status, first) = a.get_json("/api/v1/services?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, second) = b.get_json("/api/v1/services?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(first, second, "both nodes see one catalogue");
    assert!(first["total"].as_u64().unwrap_or(0) > 0, "{first}");
    assert_eq!(a.count("SELECT COUNT(*) FROM catalogue_meta").await, 1);
}
