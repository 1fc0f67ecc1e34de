//! [`RequireScopeLayer`]: per-route scopes on top of one shared [`BearerJwtLayer`](super::BearerJwtLayer).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::field::Empty;

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::builder::{BearerConfigError, check_realm, check_scopes};
use super::challenge::Challenge;
use super::error::BearerError;
use super::principal::Principal;
use crate::body::ResponseBody;
use crate::denial::SharedRenderer;
use crate::gate::{Gate, GateFuture, Never};
use crate::token::{ScopeRule, Scopes};

/// Requires scopes of the [`Principal`] that a [`BearerJwtLayer`](super::BearerJwtLayer) in front
/// put in the request: 403 `insufficient_scope` naming them when the token lacks them.
///
/// Without a principal (the bearer layer is missing in front: a wiring mistake) the answer is 401,
/// never a pass. Usually made with [`BearerJwtLayer::require_scope`](super::BearerJwtLayer::require_scope):
///
/// ```no_run
/// # async fn run(feide: feide_tower::Provider) -> Result<(), Box<dyn std::error::Error>> {
/// use feide_tower::bearer::BearerJwtLayer;
///
/// let bearer = BearerJwtLayer::builder(&feide)
///     .audience("https://n.feide.no/datasources/00000000-0000-4000-8000-000000000001")
///     .build()?;
/// let can_write = bearer.require_scope("writeUser")?;
/// // axum: Router::new().route("/write", post(write).route_layer(can_write)).layer(bearer)
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RequireScopeLayer {
    inner: Arc<Requirement>,
}

#[derive(Debug)]
struct Requirement {
    scopes: Box<[String]>,
    rule: ScopeRule,
    insufficient: Challenge,
    missing: Challenge,
}

impl RequireScopeLayer {
    /// Requires `scopes` (all, or any one, per `rule`), answering in `realm`.
    pub fn new(
        realm: &str,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        rule: ScopeRule,
    ) -> Result<Self, BearerConfigError> {
        Self::rendered(realm, scopes, rule, None)
    }

    /// [`new`](Self::new), with the refusal bodies from `renderer`.
    pub(crate) fn rendered(
        realm: &str,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        rule: ScopeRule,
        renderer: Option<&SharedRenderer>,
    ) -> Result<Self, BearerConfigError> {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        check_scopes(&scopes, true)?;
        check_realm(realm)?;
        let required: Scopes = scopes.iter().collect();
        let render = |challenge: Challenge| match renderer {
            Some(renderer) => renderer.challenge(challenge),
            None => challenge,
        };
        Ok(Self {
            inner: Arc::new(Requirement {
                insufficient: render(Challenge::insufficient_scope(realm, &required, rule)),
                missing: render(Challenge::for_error(&BearerError::MissingToken, realm)),
                scopes: scopes.into(),
                rule,
            }),
        })
    }

    /// The answer for this request, or `None` to let it through.
    ///
    /// One `feide.require_scope` span (debug level): `outcome` = `allowed` | `forbidden`
    /// (`reason` = `insufficient_scope`) | `refused` (`reason` = `no_principal`: the layer is
    /// misplaced).
    fn refusal(&self, principal: Option<&Principal>) -> Option<&Challenge> {
        let req = &*self.inner;
        let span = tracing::debug_span!(
            "feide.require_scope",
            outcome = Empty,
            reason = Empty,
            cache = Empty
        );
        let _entered = span.enter();
        match principal {
            None => {
                span.record("outcome", "refused");
                span.record("reason", "no_principal");
                tracing::error!(
                    "RequireScope found no Principal: put BearerJwtLayer in front of it; refusing"
                );
                Some(&req.missing)
            }
            Some(p) => match req.rule.check(p.scopes(), &req.scopes) {
                Ok(()) => {
                    span.record("outcome", "allowed");
                    tracing::debug!("route scope present");
                    None
                }
                Err(_) => {
                    span.record("outcome", "forbidden");
                    span.record("reason", "insufficient_scope");
                    tracing::debug!(outcome = "insufficient_scope", "route scope missing");
                    Some(&req.insufficient)
                }
            },
        }
    }
}

impl<S> Layer<S> for RequireScopeLayer {
    type Service = RequireScope<S>;

    fn layer(&self, inner: S) -> RequireScope<S> {
        RequireScope {
            gate: Gate::new(inner, self.clone()),
        }
    }
}

/// The service of [`RequireScopeLayer`].
#[derive(Debug, Clone)]
pub struct RequireScope<S> {
    gate: Gate<S, RequireScopeLayer>,
}

impl<S> RequireScope<S> {
    crate::gate::inner_service_accessors!();
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireScope<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = RequireScopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.gate.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let refusal = self
            .gate
            .policy()
            .refusal(request.extensions().get::<Principal>());
        let state = match refusal {
            Some(challenge) => GateFuture::answer(challenge.to_response()),
            None => self.gate.pass(request, Vec::new()),
        };
        RequireScopeFuture { state }
    }
}

pin_project! {
    /// The response future of [`RequireScope`].
    pub struct RequireScopeFuture<F> {
        #[pin]
        state: GateFuture<F, Never<F>>,
    }
}

impl<F, ResBody, E> Future for RequireScopeFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().state.poll(cx)
    }
}
