//! The HTTP side: the page (`/`), the frame stream as server-sent events (`/events`), the
//! controls (`POST /control`). With a token every request must carry it (`?token=` or
//! `Authorization: Bearer`), which the CLI requires for any address but loopback.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::hub::Hub;

const PAGE: &str = include_str!("../assets/live.html");
const CSS: &str = include_str!("../assets/live.css");
const JS: &str = include_str!("../assets/live.js");

#[derive(Clone)]
struct App {
    hub: Arc<Hub>,
    token: Option<Arc<str>>,
}

/// The router for a hub; `token`, if set, is required on every request.
pub fn router(hub: Arc<Hub>, token: Option<String>) -> Router {
    let app = App { hub, token: token.map(Into::into) };
    Router::new()
        .route("/", get(page))
        .route("/events", get(events))
        .route("/control", post(control))
        .route("/healthz", get(|| async { "ok" }))
        .layer(middleware::from_fn_with_state(app.clone(), require_token))
        .with_state(app)
}

async fn require_token(State(app): State<App>, request: Request, next: Next) -> Response {
    let Some(token) = &app.token else { return next.run(request).await };
    let from_query = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|kv| kv.strip_prefix("token="))
        .any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
    if from_query || from_header {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, "a token is required: add ?token=… to the address\n")
            .into_response()
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn page() -> impl IntoResponse {
    let html = PAGE.replace("/*CSS*/", CSS).replace("/*JS*/", JS);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, "no-store".parse().expect("valid header"));
    (headers, Html(html))
}

async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (first, rx) = app.hub.subscribe();
    let first = tokio_stream::iter(first.into_iter().map(|json| Ok(Event::default().data(&*json))));
    // A client that fell behind skips the frames it missed (it sees newer charts anyway).
    let live = BroadcastStream::new(rx).filter_map(|item| match item {
        Ok(json) => Some(Ok(Event::default().data(&*json))),
        Err(BroadcastStreamRecvError::Lagged(_)) => None,
    });
    Sse::new(first.chain(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
}

#[derive(Debug, Deserialize)]
struct ControlQuery {
    action: String,
    #[serde(default)]
    value: Option<f64>,
}

async fn control(State(app): State<App>, Query(q): Query<ControlQuery>) -> Response {
    let c = app.hub.control();
    match (q.action.as_str(), q.value) {
        ("pause", _) => c.set_paused(true),
        ("resume", _) => c.set_paused(false),
        ("speed", Some(v)) if v.is_finite() && v >= 0.0 => c.set_speed(v),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                "action must be pause, resume, or speed with value >= 0 (0: as fast as possible)\n",
            )
                .into_response()
        }
    }
    Json(serde_json::json!({ "paused": c.paused(), "speed": c.speed() })).into_response()
}

/// Serves `router` on `listener` until `shutdown` resolves, redrawing the charts every
/// `redraw` interval.
///
/// # Errors
/// The server's I/O error.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    token: Option<String>,
    redraw: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let drawer = {
        let hub = hub.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(redraw);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                let hub = hub.clone();
                // Drawing is CPU work: keep it off the threads that serve clients.
                let _ = tokio::task::spawn_blocking(move || hub.redraw()).await;
            }
        })
    };
    let result = axum::serve(listener, router(hub, token)).with_graceful_shutdown(shutdown).await;
    drawer.abort();
    result
}
