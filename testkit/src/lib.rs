//! Test support shared by the crates whose tests talk to moto over HTTP.
//!
//! [`MotoServer::start`] runs the pinned moto (installed into `.tools/venv` by
//! `scripts/setup-tools.sh`) on 127.0.0.1 and a free port, waits until it answers, and stops it
//! when dropped. It runs through `testkit/moto/moto_server.py`, which lets Step Functions run
//! executions of a version or an alias as AWS does (moto cannot; the file says what it adds).
//! Nothing here talks to any address but loopback.
//!
//! [`MariaDbPair::start`] (module [`mariadb`]) runs a MariaDB primary and replica with the
//! WooCommerce fixture, and [`RedisServer::start`] (module [`redis`]) a redis-server; both from
//! Debian packages that `scripts/setup-tools.sh` installs.

pub mod mariadb;
mod process;
pub mod redis;
/// [`store_api::StoreApi`]: a local imitation of the WordPress REST root and the Store API.
pub mod store_api;

pub use mariadb::{create_order, MariaDb, MariaDbPair};
pub use redis::RedisServer;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server, stopped when dropped.
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts moto_server on 127.0.0.1. Panics with a hint when it is not installed.
    pub fn start() -> MotoServer {
        let python = workspace_root().join(".tools/venv/bin/python");
        assert!(
            python.exists(),
            "moto not found in {}; run `bash scripts/setup-tools.sh` (or the whole `bash scripts/test.sh`)",
            python.display()
        );
        let server = workspace_root().join("testkit/moto/moto_server.py");
        let port = free_port();
        let child = Command::new(&python)
            .arg(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let server = MotoServer { child, port };
        server.wait_until_ready(Duration::from_secs(30));
        server
    }

    /// `http://127.0.0.1:<port>`, for endpoint overrides.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Turns on moto's real Step Functions interpreter (it is off by default; create state
    /// machines only after this, as the two backends keep separate stores).
    pub fn enable_state_machine_execution(&self) {
        let body =
            r#"{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}"#;
        let status = self.post("/moto-api/config", body);
        assert!(
            (200..300).contains(&status),
            "moto refused the stepfunctions config (HTTP {status})"
        );
    }

    /// Forgets every resource moto holds (the config above survives a reset).
    pub fn reset(&self) {
        self.post("/moto-api/reset", "");
    }

    /// POSTs a JSON body to moto and returns the HTTP status.
    pub fn post(&self, path: &str, body: &str) -> u16 {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        status_of(&self.exchange(&request))
    }

    fn exchange(&self, request: &str) -> String {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("moto accepts connections");
        stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
        stream
            .write_all(request.as_bytes())
            .expect("request sent to moto");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    }

    fn wait_until_ready(&self, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let request = format!(
                    "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                    self.port
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut response = String::new();
                    let _ = stream.read_to_string(&mut response);
                    if response.starts_with("HTTP/1.") {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto_server did not answer on 127.0.0.1:{} within {limit:?}",
            self.port
        );
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_of(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The workspace root (this crate sits one level below it).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit is inside the workspace")
        .to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_starts_answers_and_stops() {
        let moto = MotoServer::start();
        moto.enable_state_machine_execution();
        let port = moto.port();
        drop(moto);
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "moto is stopped on drop"
        );
    }
}
