//! `cascade serve` under load: 50 clients read the live page's stream for 30 s on loopback while
//! the simulation runs as fast as it can; its event rate must fall by less than 20% compared
//! with one client. (Alone in its test binary, so no other test competes for the cores.)

mod common;

use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Reads status frames from one stream for `window`, returning their events/s readings.
fn observe(addr: &str, warmup: Duration, window: Duration) -> Vec<f64> {
    let stream = common::open_stream(addr);
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut reader = BufReader::new(stream);
    let started = Instant::now();
    let mut rates = Vec::new();
    let mut line = String::new();
    while started.elapsed() < warmup + window {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            continue;
        }
        if started.elapsed() < warmup {
            continue;
        }
        if let Some(json) = line.strip_prefix("data: ") {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
                if v["type"] == "status" {
                    if let Some(r) = v["events_per_s"].as_f64().filter(|r| *r > 0.0) {
                        rates.push(r);
                    }
                }
            }
        }
    }
    rates
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

#[test]
fn fifty_clients_for_thirty_seconds_cost_the_simulation_less_than_a_fifth() {
    let (_server, addr) = common::start(&[
        "thin-book-flash-crash",
        "--addr",
        "127.0.0.1:0",
        "--speed",
        "0",
        "--repeat",
    ]);
    let baseline = observe(&addr, Duration::from_secs(2), Duration::from_secs(10));
    assert!(baseline.len() > 10, "status frames: {}", baseline.len());
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let addr = addr.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut s = common::open_stream(&addr);
                s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
                let mut buf = vec![0u8; 64 << 10];
                let mut total = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    match s.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => total += n,
                        Err(_) => {}
                    }
                }
                total
            })
        })
        .collect();
    let loaded = observe(&addr, Duration::from_secs(1), Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    let bytes: Vec<usize> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(bytes.iter().all(|&b| b > 100_000), "every client received the stream: {bytes:?}");
    let (base, load) = (mean(&baseline), mean(&loaded));
    println!(
        "events/s: one client {base:.0}, fifty clients {load:.0} ({:.1}%)",
        100.0 * load / base
    );
    assert!(load >= 0.8 * base, "one client {base:.0} events/s, fifty clients {load:.0}");
}
