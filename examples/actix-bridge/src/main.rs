//! `cargo run -p actix-bridge`: Feide login and bearer protection in actix-web. Configured only
//! through environment variables (see the crate docs); without OIDC_CLIENT_ID it runs against the
//! built-in fake Feide and prints a ready-to-paste curl line for `/api/me`.

use std::net::SocketAddr;

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
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
    for note in &configured.notes {
        println!("{note}");
    }
    println!(
        "actix-bridge listening on http://{}",
        listener.local_addr()?
    );
    let state = configured.state.clone();
    HttpServer::new(move || App::new().configure(actix_bridge::routes(state.clone())))
        .listen(listener)?
        .run()
        .await?;
    drop(configured.fake);
    Ok(())
}
