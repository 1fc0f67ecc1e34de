//! `cargo run -p actix-bridge`: Feide login and bearer protection in actix-web. Configured only
//! through environment variables (see the crate docs); with none of them set and a loopback
//! BIND_ADDR it runs against the built-in fake Feide (with a warning on stderr) and prints a
//! ready-to-paste curl line for `/api/me`. `SESSION_STORE_URL` (`memory`, `redis://…`,
//! `rediss://…`, `redis+cluster://…`) keeps sessions on the server, shared by replicas.
//! `METRICS_ADDR` (e.g. `127.0.0.1:9464`) serves feide-tower's metrics as Prometheus text at
//! `http://METRICS_ADDR/metrics`; unset, no metrics are recorded or served.

use std::net::SocketAddr;

use actix_web::{App, HttpServer};

#[actix_web::main]
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
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let bind: SocketAddr = std::env::var("BIND_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8002".into())
        .parse()?;
    let listener = std::net::TcpListener::bind(bind)?;
    let configured =
        actix_bridge::configure(|name| std::env::var(name).ok(), listener.local_addr()?).await?;
    if let Some(banner) = &configured.banner {
        eprintln!("{banner}");
    }
    for note in &configured.notes {
        println!("{note}");
    }
    println!(
        "actix-bridge listening on http://{}",
        listener.local_addr()?
    );
    if let Some(metrics) = configured.metrics_addr {
        println!("metrics: http://{metrics}/metrics");
    }
    let state = configured.state.clone();
    HttpServer::new(move || App::new().configure(actix_bridge::routes(state.clone())))
        .listen(listener)?
        .run()
        .await?;
    drop(configured.fake);
    Ok(())
}
