//! `cargo run -p axum-datasource`: a Feide data source. Configured only through environment
//! variables (FEIDE_ISSUER, DATASOURCE_AUDIENCE, DATASOURCE_REQUIRED_SCOPE, ..., BIND_ADDR: see
//! the crate docs). With none of them set and a loopback BIND_ADDR it starts the built-in fake
//! Feide, warns on stderr, and prints a `curl` line with a valid token. `METRICS_ADDR` (e.g.
//! `127.0.0.1:9464`) serves feide-tower's metrics as Prometheus text at
//! `http://METRICS_ADDR/metrics`; unset, no metrics are recorded or served.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Shown with Display, not Debug: a start-up error says what to set.
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), axum_datasource::Error> {
    // Logs go to stderr: stdout carries only the curl line, ready to paste.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,feide_tower=info".into()),
        )
        .init();
    let bind: SocketAddr = std::env::var("BIND_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8001".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let started = axum_datasource::configure(|name| std::env::var(name).ok(), addr).await?;
    if let Some(banner) = &started.banner {
        eprintln!("{banner}");
    }
    if let Some(curl) = &started.curl {
        println!("{curl}");
    }
    tracing::info!(%addr, "axum-datasource listening: GET /me");
    axum::serve(listener, started.app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
