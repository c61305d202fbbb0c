//! `KeyStore` over the Redis protocol (RESP2): `SCAN … MATCH` and `UNLINK` (stale keys), `SELECT`,
//! `DBSIZE` and `FLUSHDB ASYNC` (a whole logical database), nothing else. A full Redis client
//! would be a large dependency for five commands.

use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::cache::{CacheEndpoint, KeyStore};

/// `KeyStore` on any Redis endpoint (ElastiCache, or a local one in tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct RedisKeys;

/// One connection's worth of context.
struct Session<'a> {
    endpoint: &'a CacheEndpoint,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

#[derive(Debug)]
enum Reply {
    Simple,
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

/// Keys deleted per UNLINK, and asked for per SCAN step.
const BATCH: usize = 500;

impl Session<'_> {
    fn endpoint(&self) -> String {
        format!("{}:{}", self.endpoint.host, self.endpoint.port)
    }

    fn failure(&self, detail: impl Into<String>) -> ActivityError {
        ActivityError::CacheUnavailable {
            endpoint: self.endpoint(),
            detail: detail.into(),
        }
    }

    async fn connect(&self) -> Result<BufReader<Box<dyn Stream>>> {
        let tcp = TcpStream::connect((self.endpoint.host.as_str(), self.endpoint.port))
            .await
            .map_err(|e| self.failure(format!("cannot connect: {}", e.kind())))?;
        let stream: Box<dyn Stream> = if self.endpoint.tls {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| self.failure(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name =
                tokio_rustls::rustls::pki_types::ServerName::try_from(self.endpoint.host.clone())
                    .map_err(|_| self.failure("not a valid TLS server name"))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| self.failure(format!("TLS handshake failed: {}", e.kind())))?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let mut conn = BufReader::new(stream);
        if let Some(token) = &self.endpoint.auth_token {
            match self
                .command(&mut conn, &[b"AUTH", token.expose().as_bytes()])
                .await?
            {
                Reply::Simple => {}
                // The reply may quote the command; say only that AUTH was refused.
                _ => return Err(self.failure("AUTH refused")),
            }
        }
        Ok(conn)
    }

    async fn command(
        &self,
        conn: &mut BufReader<Box<dyn Stream>>,
        args: &[&[u8]],
    ) -> Result<Reply> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
        let io = |e: std::io::Error| self.failure(format!("I/O: {}", e.kind()));
        conn.get_mut().write_all(&out).await.map_err(io)?;
        conn.get_mut().flush().await.map_err(io)?;
        read_reply(conn).await.map_err(io)
    }

    async fn delete_all(&self, patterns: &[String]) -> Result<u64> {
        let mut conn = self.connect().await?;
        let mut deleted = 0u64;
        let count = BATCH.to_string();
        for pattern in patterns {
            let mut cursor = b"0".to_vec();
            loop {
                let reply = self
                    .command(
                        &mut conn,
                        &[
                            b"SCAN",
                            &cursor,
                            b"MATCH",
                            pattern.as_bytes(),
                            b"COUNT",
                            count.as_bytes(),
                        ],
                    )
                    .await?;
                let (next, keys) = scan_reply(reply).map_err(|e| self.failure(e))?;
                for chunk in keys.chunks(BATCH) {
                    let mut args: Vec<&[u8]> = vec![b"UNLINK"];
                    args.extend(chunk.iter().map(Vec::as_slice));
                    match self.command(&mut conn, &args).await? {
                        Reply::Integer(n) => deleted += n.max(0) as u64,
                        Reply::Error(e) => return Err(self.failure(format!("UNLINK: {e}"))),
                        other => return Err(self.failure(format!("UNLINK: unexpected {other:?}"))),
                    }
                }
                if next == b"0" {
                    break;
                }
                cursor = next;
            }
        }
        Ok(deleted)
    }
}

impl Session<'_> {
    async fn flush_database(&self, database: u32) -> Result<u64> {
        let mut conn = self.connect().await?;
        // A new connection is on database 0; SELECT only another, since ElastiCache in cluster
        // mode and Serverless refuse SELECT of anything but 0 (and some builds SELECT at all).
        if database != 0 {
            let index = database.to_string();
            match self
                .command(&mut conn, &[b"SELECT", index.as_bytes()])
                .await?
            {
                Reply::Simple => {}
                Reply::Error(e) => {
                    return Err(ActivityError::invalid(
                        "database",
                        format!("{} refused SELECT {database}: {e}", self.endpoint()),
                    ))
                }
                other => return Err(self.failure(format!("SELECT: unexpected {other:?}"))),
            }
        }
        let keys_before = match self.command(&mut conn, &[b"DBSIZE"]).await? {
            Reply::Integer(n) => n.max(0) as u64,
            Reply::Error(e) => return Err(self.failure(format!("DBSIZE: {e}"))),
            other => return Err(self.failure(format!("DBSIZE: unexpected {other:?}"))),
        };
        // ASYNC: the keys are gone at once, the memory is freed in the background, so a large
        // cache does not block the server (Redis 4.0+).
        match self.command(&mut conn, &[b"FLUSHDB", b"ASYNC"]).await? {
            Reply::Simple => Ok(keys_before),
            // e.g. READONLY on a replica that is not promoted yet: worth a retry.
            Reply::Error(e) => Err(self.failure(format!("FLUSHDB: {e}"))),
            other => Err(self.failure(format!("FLUSHDB: unexpected {other:?}"))),
        }
    }
}

fn scan_reply(reply: Reply) -> std::result::Result<(Vec<u8>, Vec<Vec<u8>>), String> {
    match reply {
        Reply::Array(mut parts) if parts.len() == 2 => {
            let keys = match parts.pop() {
                Some(Reply::Array(keys)) => keys
                    .into_iter()
                    .filter_map(|k| match k {
                        Reply::Bulk(Some(k)) => Some(k),
                        _ => None,
                    })
                    .collect(),
                _ => return Err("SCAN: keys are not an array".into()),
            };
            match parts.pop() {
                Some(Reply::Bulk(Some(cursor))) => Ok((cursor, keys)),
                _ => Err("SCAN: no cursor".into()),
            }
        }
        Reply::Error(e) => Err(format!("SCAN: {e}")),
        other => Err(format!("SCAN: unexpected {other:?}")),
    }
}

fn read_reply<'a, R: AsyncBufReadExt + Unpin + Send + 'a>(
    conn: &'a mut R,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Reply>> + Send + 'a>> {
    Box::pin(async move {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || rest.parse::<i64>().map_err(|_| bad("bad length"));
        Ok(match kind {
            "+" => Reply::Simple,
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Integer(number()?),
            "$" => {
                let n = number()?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut data = vec![0; n as usize + 2];
                    conn.read_exact(&mut data).await?;
                    data.truncate(n as usize);
                    Reply::Bulk(Some(data))
                }
            }
            "*" => {
                let n = number()?;
                let mut items = Vec::with_capacity(n.max(0) as usize);
                for _ in 0..n.max(0) {
                    items.push(read_reply(conn).await?);
                }
                Reply::Array(items)
            }
            _ => return Err(bad("not a RESP reply")),
        })
    })
}

#[async_trait]
impl KeyStore for RedisKeys {
    async fn delete_matching(
        &self,
        endpoint: &CacheEndpoint,
        patterns: &[String],
        timeout: Duration,
    ) -> Result<u64> {
        let session = Session { endpoint };
        tokio::time::timeout(timeout, session.delete_all(patterns))
            .await
            .unwrap_or_else(|_| Err(session.failure(format!("no answer within {timeout:?}"))))
    }

    async fn flush_database(
        &self,
        endpoint: &CacheEndpoint,
        database: u32,
        timeout: Duration,
    ) -> Result<u64> {
        let session = Session { endpoint };
        tokio::time::timeout(timeout, session.flush_database(database))
            .await
            .unwrap_or_else(|_| Err(session.failure(format!("no answer within {timeout:?}"))))
    }
}
