//! `cargo run -p axum-login`: the login web app. Configured only through environment variables
//! (FEIDE_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, APP_SECRET_KEY,
//! POST_LOGOUT_REDIRECT_URI, OIDC_SCOPES, FEIDE_EXTENDED_USERINFO_URL, ..., BIND_ADDR: see
//! `axum_login::ENV`). With none of them set and a loopback BIND_ADDR it starts the built-in fake
//! Feide (with a warning on stderr), so it runs with no credentials at all; a partial
//! configuration is an error naming what is missing.
//!
//! `SESSION_STORE_URL` (`memory`, `redis://host:port`, `rediss://…`,
//! `redis+cluster://host1:port1,host2:port2`; with `SESSION_STORE_CA_FILE` for a private CA)
//! keeps sessions on the server, shared by every replica using the same store and
//! `APP_SECRET_KEY`; unset, sessions live in the encrypted cookie. It works in the demo too.
//!
//! `METRICS_ADDR` (e.g. `127.0.0.1:9464`) serves feide-tower's metrics as Prometheus text at
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

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,feide_tower=info".into()),
        )
        .init();
    let bind: SocketAddr = std::env::var("BIND_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8000".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let started =
        axum_login::configure(|name| std::env::var(name).ok(), listener.local_addr()?).await?;
    if let Some(banner) = &started.banner {
        eprintln!("{banner}");
    }
    if let Some(note) = &started.note {
        println!("{note}");
    }
    println!("axum-login listening: open {}", started.public_url);
    if let Some(metrics) = started.metrics_addr {
        println!("metrics: http://{metrics}/metrics");
    }
    axum::serve(listener, started.app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
