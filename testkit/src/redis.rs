//! A real Redis on loopback, for `flush_cache` and anything else that talks to the object cache.
//!
//! [`RedisServer::start`] runs Debian's `redis-server` (installed by `scripts/setup-tools.sh`) on
//! 127.0.0.1 and a free port, without persistence, and stops it when dropped (a watchdog stops it
//! if the test process ends first, e.g. when it is kept in a `static`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{find_binary, ServerProcess};

/// redis-server on 127.0.0.1, own port, no persistence (`--save "" --appendonly no`), stopped when
/// dropped.
pub struct RedisServer {
    // Field order matters: the server stops (process) before its directory is deleted (dir).
    process: ServerProcess,
    dir: tempfile::TempDir,
    port: u16,
}

impl RedisServer {
    /// Starts redis-server and waits until it answers PING. Panics with a hint when it is not
    /// installed.
    pub fn start() -> RedisServer {
        assert!(
            redis_installed(),
            "redis-server/redis-cli not found; run `bash scripts/setup-tools.sh` (or the whole `bash scripts/test.sh`)"
        );
        let mut last_error = String::new();
        // Another test may take the free port between our probe and redis binding it: retry.
        for _attempt in 0..3 {
            match Self::try_start() {
                Ok(server) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("redis-server did not start: {last_error}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    /// `redis://127.0.0.1:<port>`, for clients that take a URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs redis-cli against it, returns stdout trimmed (an error reply comes back as its text,
    /// e.g. "ERR unknown command ..."; redis-cli exits 0 for those).
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(find_binary("redis-cli").expect("redis-cli"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        assert!(
            output.status.success(),
            "redis-cli {args:?} against port {} failed: {}",
            self.port,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn try_start() -> Result<RedisServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("wfc-redis-")
            .tempdir()
            .expect("a temp dir for redis");
        let port = crate::free_port();
        let log = dir.path().join("redis.log");
        let child = Command::new(find_binary("redis-server").expect("redis-server"))
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run redis-server: {e}"))?;
        let mut server = RedisServer {
            process: ServerProcess::new(child, dir.path(), Duration::from_secs(3)),
            dir,
            port,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if server.process.has_exited() {
                let log = std::fs::read_to_string(server.dir.path().join("redis.log"))
                    .unwrap_or_default();
                return Err(format!("redis-server (port {port}) exited:\n{log}"));
            }
            if server.answers_ping() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "redis-server (port {port}) did not answer PING within 10 s"
        ))
    }

    /// A raw RESP PING, so waiting for the server does not spawn a redis-cli per probe.
    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        stream.set_read_timeout(Some(Duration::from_secs(1))).ok();
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }
}

/// Whether redis-server and redis-cli are installed.
pub fn redis_installed() -> bool {
    find_binary("redis-server").is_some() && find_binary("redis-cli").is_some()
}
