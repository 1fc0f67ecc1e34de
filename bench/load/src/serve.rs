//! `load-bench serve <variant> <deadline-secs>`: one server process, started by the
//! coordinator. Prints `LISTENING <port>` once it accepts connections on 127.0.0.1.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use feide_tower::Provider;
use feide_tower::bearer::BearerJwtLayer;
use jwt_authorizer::IntoLayer as _;
use tokio::net::TcpListener;
use tower::ServiceBuilder;

use crate::Variant;
use crate::fixtures::{AUDIENCE, ENV_ISSUER, ENV_JWKS, ENV_STORE, Sessions, login};

/// The handler of every variant.
async fn hello() -> &'static str {
    "Hello, World!"
}

pub(crate) fn main(args: &[String]) -> ExitCode {
    let (Some(variant), Some(deadline)) = (
        args.first()
            .and_then(|a| a.chars().next())
            .and_then(Variant::from_letter),
        args.get(1).and_then(|d| d.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: load-bench serve <a|b|c|d|r|n|e|t|k> <deadline-secs>");
        return ExitCode::from(2);
    };
    // Bounded in time whatever happens to the coordinator: exit when it closes our stdin (also
    // when it dies), and after the deadline in any case.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(deadline));
        eprintln!("load-bench serve: deadline reached, exiting");
        std::process::exit(0);
    });
    // As a service in production would: logs at info, so debug spans are off.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::sink)
        .init();
    // One core: a current-thread runtime is the fastest way to use it, for every variant alike.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("load-bench serve: runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(variant)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("load-bench serve {}: {error}", variant.letter());
            ExitCode::FAILURE
        }
    }
}

/// A response with axum's body type.
fn to_axum<B>(response: http::Response<B>) -> axum::response::Response
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    response.map(axum::body::Body::new)
}

/// A service around the router, as `axum::serve` takes it.
fn make_service<S>(service: S) -> axum::routing::IntoMakeService<S>
where
    S: tower::Service<axum::extract::Request> + Clone,
{
    axum::ServiceExt::<axum::extract::Request>::into_make_service(service)
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run load-bench without `serve`)"))
}

async fn run(variant: Variant) -> Result<(), String> {
    let issuer = env(ENV_ISSUER)?;
    let router = Router::new().route("/", get(hello));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let announce = || {
        println!("LISTENING {port}");
        let _ = std::io::stdout().flush();
    };
    // Every layer wraps the whole app the same way (the peer cannot be applied with
    // `Router::layer`, see below), and every response is turned into axum's body type.
    let served = match variant {
        Variant::Unprotected | Variant::PlainWithToken | Variant::PlainWithCookie => {
            announce();
            axum::serve(listener, router).await
        }
        Variant::BearerNoCache | Variant::BearerCache => {
            let provider = Provider::builder(&issuer)
                .build()
                .await
                .map_err(|e| format!("provider: {e}"))?;
            let bearer = BearerJwtLayer::builder(&provider)
                .audience(AUDIENCE)
                .cache(variant == Variant::BearerCache)
                .build()
                .map_err(|e| format!("bearer: {e}"))?;
            let app = ServiceBuilder::new()
                .map_response(to_axum)
                .layer(bearer)
                .service(router);
            announce();
            axum::serve(listener, make_service(app)).await
        }
        Variant::LoginSession | Variant::StoredSession | Variant::StoredNoCache => {
            let store = match variant {
                Variant::StoredSession => Some((env(ENV_STORE)?, None)),
                Variant::StoredNoCache => Some((env(ENV_STORE)?, Some(Duration::ZERO))),
                _ => None,
            };
            let sessions = match &store {
                Some((url, bound)) => Sessions::Stored(url, *bound),
                None => Sessions::Cookie,
            };
            let login = login(&issuer, sessions).await?;
            let app = ServiceBuilder::new()
                .map_response(to_axum)
                .layer(login.layer())
                .layer(login.require_login())
                .service(router);
            announce();
            axum::serve(listener, make_service(app)).await
        }
        Variant::JwtAuthorizer => {
            let jwks = env(ENV_JWKS)?;
            let layer =
                jwt_authorizer::JwtAuthorizer::<jwt_authorizer::RegisteredClaims>::from_jwks_text(
                    &jwks,
                )
                .validation(
                    jwt_authorizer::Validation::new()
                        .iss(&[issuer.as_str()])
                        .aud(&[AUDIENCE])
                        .nbf(true),
                )
                .build()
                .await
                .map_err(|e| format!("jwt-authorizer: {e}"))?
                .into_layer();
            // jwt-authorizer answers refusals with axum 0.7 responses (`S::Response:
            // From<AuthError>`): the app's responses go through axum 0.7's body type to it.
            let app = ServiceBuilder::new()
                .map_response(|r: http::Response<axum07::body::Body>| r.map(axum::body::Body::new))
                .layer(layer)
                .map_response(|r: axum::response::Response| r.map(axum07::body::Body::new))
                .service(router);
            announce();
            axum::serve(listener, make_service(app)).await
        }
    };
    served.map_err(|e: std::io::Error| format!("serve: {e}"))?;
    Ok(())
}
