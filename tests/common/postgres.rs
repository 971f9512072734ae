//! A database of its own for each test, on the PostgreSQL that `scripts/start-services`
//! starts (or the server `AUDITION_TEST_POSTGRES` names): created fresh, its URL returned.

/// The server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("AUDITION_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://audition:audition@127.0.0.1:5432/postgres".into())
}

/// Drops and creates the database `audition_<name>_<pid>`; its URL.
pub async fn fresh_database(name: &str) -> String {
    let url = server_url();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("Postgres at {url} is needed (scripts/start-services): {e}"));
    tokio::spawn(connection);
    let db = format!("audition_{name}_{}", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        client.execute(&statement, &[]).await.unwrap();
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{db}")
}
