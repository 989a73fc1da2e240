//! `cascade serve` as a process: any address but loopback needs a token, and then every
//! request must carry it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

#[test]
fn any_address_but_loopback_needs_a_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--token"), "{err}");
    // With a token it starts, and refuses requests without it.
    let (_server, addr) = common::start(&["--addr", "0.0.0.0:0", "--token", "t0ken"]);
    let port = addr.rsplit(':').next().unwrap();
    let local = format!("127.0.0.1:{port}");
    let mut s = TcpStream::connect(&local).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    let mut s = TcpStream::connect(&local).unwrap();
    s.write_all(b"GET /?token=t0ken HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{}", &text[..text.len().min(200)]);
}
