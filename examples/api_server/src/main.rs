//! Serves the example workflows on the Step Functions API:
//! `cargo run -q -p api-server` listens on 127.0.0.1:8083 (or the address given first) with
//! executions in `api_server.db` beside the executable (or the path given second), and the web
//! console at `http://127.0.0.1:8083/console/`. Drive it with the AWS CLI (any credentials will
//! do; see the README, "The Step Functions API"):
//!
//! ```text
//! aws stepfunctions --endpoint-url http://127.0.0.1:8083 list-state-machines
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:8083".into());
    let db = match args.next() {
        Some(path) => std::path::PathBuf::from(path),
        None => std::env::current_exe()?
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir)
            .join("api_server.db"),
    };
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    let engine = api_server::engine(&db, &endpoint).await?;
    // Runs the executions (and schedules) stored in the file, also those of a previous run.
    let worker = engine.clone();
    tokio::spawn(async move { worker.run().await });
    println!(
        "serving the Step Functions API on {endpoint} (executions in {})",
        db.display()
    );
    println!(
        "the console: {endpoint}{}/ (open it in a browser)",
        asl_server::DEFAULT_CONSOLE_PATH
    );
    for w in engine.workflows() {
        println!("  {} {}", w.kind.as_str(), w.arn);
    }
    asl_server::serve_with(engine, asl_server::Config::new(), listener).await?;
    Ok(())
}
