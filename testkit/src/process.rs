//! Server processes the testkit starts (mariadbd, redis-server): finding the binaries, stopping
//! them politely on drop, and a watchdog that stops them and deletes their directory when the test
//! process ends without dropping them (a server kept in a `static`, a panic that aborts).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `name` on `$PATH`, or in the sbin directories a non-root `$PATH` often lacks (Debian puts
/// `mariadbd` in /usr/sbin).
pub(crate) fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A server child process and its watchdog; stopped (SIGTERM, then SIGKILL after `grace`) on drop.
pub(crate) struct ServerProcess {
    child: Child,
    watchdog: Option<Child>,
    grace: Duration,
    stopping: bool,
}

impl ServerProcess {
    /// Takes over a freshly spawned server; `dir` is deleted by the watchdog if the test process
    /// exits without dropping this value (on a normal drop the owner's `TempDir` deletes it).
    pub(crate) fn new(child: Child, dir: &Path, grace: Duration) -> ServerProcess {
        let watchdog = spawn_watchdog(child.id(), dir, grace);
        ServerProcess {
            child,
            watchdog,
            grace,
            stopping: false,
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server has exited (it died, or was never able to start).
    pub(crate) fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Sends SIGTERM (once) without waiting.
    fn signal_stop(&mut self) {
        if !self.stopping && !self.has_exited() {
            // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
            }
        }
        self.stopping = true;
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.signal_stop();
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline && !self.has_exited() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// A `sh` loop that outlives us: once the test process is gone it stops the server and deletes
/// its directory. Statics are never dropped, so without it a shared server would run forever.
/// It runs in its own process group so a Ctrl-C on the test run does not kill it first.
fn spawn_watchdog(server_pid: u32, dir: &Path, grace: Duration) -> Option<Child> {
    use std::os::unix::process::CommandExt;
    const SCRIPT: &str = r#"
        while kill -0 "$1" 2>/dev/null; do sleep 1; done
        kill -TERM "$2" 2>/dev/null
        i=0
        while kill -0 "$2" 2>/dev/null && [ "$i" -lt "$3" ]; do sleep 1; i=$((i + 1)); done
        kill -KILL "$2" 2>/dev/null
        rm -rf "$4"
    "#;
    Command::new("sh")
        .args(["-c", SCRIPT, "wfc-testkit-watchdog"])
        .arg(std::process::id().to_string())
        .arg(server_pid.to_string())
        .arg(grace.as_secs().max(1).to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}
