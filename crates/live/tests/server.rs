//! The live server on loopback: the token guard, the first frames a client gets, the controls,
//! and that a client that never reads cannot slow the source down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cascade_live::{Frame, Hub, NotableKind};
use cascade_output::TimeseriesRow;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start(hub: Arc<Hub>, token: Option<&str>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = token.map(str::to_string);
    tokio::spawn(cascade_live::serve(
        listener,
        hub,
        token,
        Duration::from_millis(50),
        std::future::pending(),
    ));
    addr
}

/// Sends one request and reads the response head plus up to `body_max` bytes of body.
async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body_max: usize,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = Instant::now() + Duration::from_secs(5);
    while buf.len() < body_max && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => {
                if !buf.is_empty() {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

fn row(t: i64) -> Frame {
    Frame::Row {
        row: TimeseriesRow {
            time_s: t,
            venue: "v".into(),
            market: "M".into(),
            last: Some(100.0 - t as f64),
            mark: Some(100.0 - t as f64),
            oracle: Some(100.0),
            depth_1pct_usd: 1e5,
            ..Default::default()
        },
    }
}

fn hello() -> Frame {
    Frame::Hello { title: "test".into(), description: "a test".into(), source: "test".into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_required_on_every_route_when_set() {
    let hub = Hub::new(1.0);
    let addr = start(hub, Some("s3cret")).await;
    for path in ["/", "/events", "/healthz"] {
        let (status, _) = request(addr, "GET", path, 64).await;
        assert_eq!(status, 401, "{path}");
    }
    let (status, _) = request(addr, "POST", "/control?action=pause", 64).await;
    assert_eq!(status, 401);
    let (status, _) = request(addr, "GET", "/?token=wrong", 64).await;
    assert_eq!(status, 401);
    let (status, page) = request(addr, "GET", "/?token=s3cret", 1 << 20).await;
    assert_eq!(status, 200);
    assert!(page.contains("<script>") && !page.contains("/*JS*/"), "the script is inlined");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "nothing external");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_gets_hello_status_notables_and_charts_first() {
    let hub = Hub::new(1.0);
    hub.publish(&hello());
    for t in 1..=30 {
        hub.publish(&row(t));
    }
    hub.publish(&Frame::Notable {
        time_s: 20,
        venue: "v".into(),
        market: None,
        kind: NotableKind::LiquidationBurst,
        count: 14,
        usd: 2.5e5,
    });
    hub.publish(&Frame::Status {
        time_s: 30,
        paused: false,
        speed: 1.0,
        done: false,
        events_per_s: 5.0,
    });
    assert!(hub.redraw(), "rows arrived, so the charts are drawn");
    assert!(!hub.redraw(), "nothing new, nothing drawn");
    let addr = start(hub.clone(), None).await;
    let (status, body) = request(addr, "GET", "/events", 64 << 10).await;
    assert_eq!(status, 200);
    assert!(body.contains("text/event-stream"), "{}", &body[..body.len().min(300)]);
    let frames: Vec<Frame> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let kinds: Vec<&str> = frames
        .iter()
        .map(|f| match f {
            Frame::Hello { .. } => "hello",
            Frame::Status { .. } => "status",
            Frame::Notable { .. } => "notable",
            Frame::Charts { .. } => "charts",
            Frame::Row { .. } => "row",
        })
        .collect();
    assert_eq!(kinds, ["hello", "status", "notable", "charts"], "in that order");
    let Frame::Charts { time_s, sets } = &frames[3] else { unreachable!() };
    assert_eq!(*time_s, 30);
    assert_eq!(sets.len(), 1);
    assert!(sets[0].svgs.len() >= 5);
    assert!(sets[0].svgs.iter().all(|s| s.starts_with("<svg") && s.ends_with("</svg>")));
    // The price chart has its lines (plotters writes series as polylines).
    assert!(sets[0].svgs[0].contains("<polyline"), "{}", &sets[0].svgs[0][..500]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controls_pause_resume_and_set_speed() {
    let hub = Hub::new(10.0);
    let addr = start(hub.clone(), None).await;
    let (status, body) = request(addr, "POST", "/control?action=pause", 4096).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""paused":true"#), "{body}");
    assert!(hub.control().paused());
    let (_, _) = request(addr, "POST", "/control?action=speed&value=60", 4096).await;
    assert_eq!(hub.control().speed(), 60.0);
    // A paused source waits; resuming releases it.
    let waiter = {
        let hub = hub.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            hub.control().wait_while_paused();
            t.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = request(addr, "POST", "/control?action=resume", 4096).await;
    assert_eq!(status, 200);
    let waited = waiter.join().unwrap();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    let (status, body) = request(addr, "POST", "/control?action=speed&value=-1", 4096).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = request(addr, "POST", "/control?action=explode", 4096).await;
    assert_eq!(status, 400);
}

/// A client that connects and never reads: the source keeps publishing at full speed (the
/// bounded channel drops what that client cannot take), and a reading client still gets the
/// newest frames.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_does_not_stall_the_source() {
    let hub = Hub::new(0.0);
    hub.publish(&hello());
    let addr = start(hub.clone(), None).await;
    let mut stuck = TcpStream::connect(addr).await.unwrap();
    stuck.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hub.clients(), 1);
    let source = {
        let hub = hub.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            for t in 0..20_000i64 {
                hub.publish(&row(t));
                hub.publish(&Frame::Status {
                    time_s: t,
                    paused: false,
                    speed: 0.0,
                    done: false,
                    events_per_s: 0.0,
                });
            }
            t.elapsed()
        })
    };
    let elapsed = tokio::task::spawn_blocking(move || source.join().unwrap()).await.unwrap();
    assert!(elapsed < Duration::from_secs(10), "40,000 frames took {elapsed:?}");
    let (_, body) = request(addr, "GET", "/events", 4096).await;
    assert!(body.contains(r#""time_s":19999"#), "a new client sees the latest status");
    drop(stuck);
}
