//! A Redis stand-in on 127.0.0.1 speaking just enough RESP for `prepare_cache`'s key flush
//! (AUTH, SCAN with MATCH and COUNT, UNLINK). moto has no Redis; no redis-server is installed.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub struct FakeRedis {
    pub port: u16,
    pub keys: Arc<Mutex<BTreeSet<String>>>,
}

/// `*` matches any run of characters; nothing else is special (enough for key prefixes).
fn glob(pattern: &str, key: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == key;
    }
    let mut rest = key;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

async fn read_command<R: AsyncBufReadExt + Unpin>(r: &mut R) -> Option<Vec<String>> {
    let mut line = String::new();
    r.read_line(&mut line).await.ok()?;
    let n: usize = line.trim().strip_prefix('*')?.parse().ok()?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        line.clear();
        r.read_line(&mut line).await.ok()?;
        let len: usize = line.trim().strip_prefix('$')?.parse().ok()?;
        let mut data = vec![0; len + 2];
        r.read_exact(&mut data).await.ok()?;
        data.truncate(len);
        args.push(String::from_utf8(data).ok()?);
    }
    Some(args)
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

impl FakeRedis {
    /// Serves `keys`; when `password` is set, every command before AUTH is refused.
    pub async fn start(keys: &[&str], password: Option<&'static str>) -> FakeRedis {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let keys = Arc::new(Mutex::new(
            keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
        ));
        let store = keys.clone();
        // SCAN walks this fixed order, so deleting between steps skips nothing (as in Redis).
        let order: Arc<Vec<String>> = Arc::new(keys.lock().unwrap().iter().cloned().collect());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (store, order) = (store.clone(), order.clone());
                tokio::spawn(async move {
                    let mut conn = BufReader::new(socket);
                    let mut authed = password.is_none();
                    while let Some(args) = read_command(&mut conn).await {
                        let reply = match args[0].to_ascii_uppercase().as_str() {
                            "AUTH" if Some(args[1].as_str()) == password => {
                                authed = true;
                                "+OK\r\n".to_string()
                            }
                            "AUTH" => "-WRONGPASS invalid password\r\n".into(),
                            _ if !authed => "-NOAUTH Authentication required.\r\n".into(),
                            "SCAN" => {
                                // Pages of COUNT keys, so the cursor loop is exercised.
                                let cursor: usize = args[1].parse().unwrap_or(0);
                                let pattern = args[3].clone();
                                let count: usize = args[5].parse().unwrap_or(10);
                                let present = store.lock().unwrap().clone();
                                let page = order.iter().skip(cursor).take(count);
                                let next = if cursor + count >= order.len() {
                                    0
                                } else {
                                    cursor + count
                                };
                                let matched: Vec<&String> = page
                                    .filter(|k| present.contains(*k) && glob(&pattern, k))
                                    .collect();
                                let mut r = format!(
                                    "*2\r\n{}*{}\r\n",
                                    bulk(&next.to_string()),
                                    matched.len()
                                );
                                for k in matched {
                                    r.push_str(&bulk(k));
                                }
                                r
                            }
                            "UNLINK" => {
                                let mut keys = store.lock().unwrap();
                                let n = args[1..].iter().filter(|k| keys.remove(*k)).count();
                                format!(":{n}\r\n")
                            }
                            _ => "-ERR unknown command\r\n".into(),
                        };
                        if conn.get_mut().write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        FakeRedis { port, keys }
    }

    pub fn keys(&self) -> Vec<String> {
        self.keys.lock().unwrap().iter().cloned().collect()
    }
}
