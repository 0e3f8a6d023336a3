//! How every listener binds its port.
//!
//! Like the original server, listeners set `SO_REUSEADDR` and `SO_REUSEPORT`: tooling
//! built around the original reserves a port by holding a socket with both options,
//! starts the server on it and only then lets the reservation go, and that only works
//! when the server's socket may share the port. The price of `SO_REUSEPORT` is that a
//! second server started by the same user on the same port would also bind and silently
//! take half of the connections; so before binding, the address is probed, and a server
//! that answers there in its own protocol makes the start fail. A socket that accepts
//! connections but never answers (a reservation) does not.

use iggy_actors::shard::Shards;
use log::{info, warn};
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a probe waits to connect, and then for an answer.
const CONNECT_DEADLINE: Duration = Duration::from_millis(300);
const ANSWER_DEADLINE: Duration = Duration::from_millis(1000);

/// How the listeners bind, for the start-up log.
pub const HOW: &str = "SO_REUSEADDR + SO_REUSEPORT, after probing that no server answers there";

/// A socket for `addr` with `SO_REUSEADDR` and (where the platform has it) `SO_REUSEPORT`
/// set, not bound yet, so the caller can set more options before `bind`.
pub fn reusable_socket(addr: SocketAddr, ty: Type, protocol: Protocol) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true)?;
    Ok(socket)
}

/// A listening, non-blocking TCP socket on `addr`, bound the way every listener binds;
/// `configure` sets more options before the bind. `transport` names it in errors.
pub fn bind_stream(
    transport: &str,
    addr: SocketAddr,
    configure: impl FnOnce(&Socket) -> std::io::Result<()>,
) -> Result<std::net::TcpListener, String> {
    let socket = reusable_socket(addr, Type::STREAM, Protocol::TCP)
        .map_err(|e| format!("cannot create the {transport} socket for {addr}: {e}"))?;
    configure(&socket).map_err(|e| format!("cannot set the {transport} socket options: {e}"))?;
    socket
        .bind(&addr.into())
        .map_err(|e| format!("cannot bind {transport} to {addr}: {e}"))?;
    socket
        .listen(1024)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("cannot make the {transport} listener non-blocking: {e}"))?;
    let listener: std::net::TcpListener = socket.into();
    if let Ok(bound) = listener.local_addr() {
        info!("{transport} listener bound to {bound} ({HOW})");
    }
    Ok(listener)
}

/// Fails with a message naming `addr` when a server of this protocol already answers
/// there. `transport` names the listener in the message (`"TCP"`, ...). Port 0 is never
/// probed: the kernel picks a free port.
pub fn refuse_if_served(
    transport: &str,
    addr: SocketAddr,
    answers: impl FnOnce(SocketAddr) -> bool,
) -> Result<(), String> {
    if addr.port() == 0 || !answers(addr) {
        return Ok(());
    }
    Err(format!(
        "cannot bind {transport} to {addr}: another server is listening there (it answered a Ping); stop it or choose another address"
    ))
}

/// The address a probe connects to: a wildcard listen address is reached on loopback.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// A probe's connection to `addr`: plain, or TLS trusting any certificate (with `tls`),
/// with the probe's deadlines; `None` when nothing accepts there.
fn probe_stream(addr: SocketAddr, tls: bool) -> Option<Box<dyn ReadWrite>> {
    let stream = TcpStream::connect_timeout(&reachable(addr), CONNECT_DEADLINE).ok()?;
    stream.set_read_timeout(Some(ANSWER_DEADLINE)).ok()?;
    stream.set_write_timeout(Some(ANSWER_DEADLINE)).ok()?;
    if !tls {
        return Some(Box::new(stream));
    }
    let config = crate::tls::trusting_client_config(false);
    let name = rustls::pki_types::ServerName::try_from("localhost").ok()?;
    let session = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    Some(Box::new(rustls::StreamOwned::new(session, stream)))
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Ping: length 4 (just the code), code 1.
const PING: [u8; 8] = [4, 0, 0, 0, 1, 0, 0, 0];

/// Whether a server speaking the binary protocol over TCP (through TLS with `tls`)
/// answers a `Ping` on `addr` within the deadline. Refused connections, silence, a closed
/// connection and anything that is not the 8-byte empty success all answer false.
pub fn binary_server_answers(addr: SocketAddr, tls: bool) -> bool {
    let Some(mut stream) = probe_stream(addr, tls) else {
        return false;
    };
    let mut answer = [0u8; 8];
    stream.write_all(&PING).is_ok() && stream.read_exact(&mut answer).is_ok() && answer == [0u8; 8]
}

/// Whether a server speaking the binary protocol over WebSocket (through TLS with `tls`)
/// answers a `Ping` on `addr` within the deadline: an HTTP upgrade, then the Ping frame as
/// one masked binary message, and the 8-byte empty success back as one binary message.
pub fn websocket_server_answers(addr: SocketAddr, tls: bool) -> bool {
    let Some(mut stream) = probe_stream(addr, tls) else {
        return false;
    };
    let upgrade = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    if stream.write_all(upgrade.as_bytes()).is_err() {
        return false;
    }
    // The 101 answer's head, up to its empty line (read byte by byte: nothing past it).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 4096 || stream.read_exact(&mut byte).is_err() {
            return false;
        }
        head.push(byte[0]);
    }
    if !head.starts_with(b"HTTP/1.1 101") {
        return false;
    }
    // FIN + binary, masked, 8 bytes: the Ping frame under a zero mask.
    let mut ping = vec![0x82, 0x80 | 8, 0, 0, 0, 0];
    ping.extend_from_slice(&PING);
    let mut answer = [0u8; 10];
    stream.write_all(&ping).is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && answer[..2] == [0x82, 8]
        && answer[2..] == [0u8; 8]
}

/// Whether a server speaking the binary protocol over QUIC answers a `Ping` on `addr`
/// within the deadline (TLS 1.3 trusting any certificate, one stream). The probe runs on
/// a thread of its own: it is called while the server starts, inside its event loop.
pub fn quic_server_answers(addr: SocketAddr) -> bool {
    let target = reachable(addr);
    let probe = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async move {
            let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(
                crate::tls::trusting_client_config(true),
            )
            .ok()?;
            let local: SocketAddr = if target.is_ipv6() {
                "[::]:0".parse().ok()?
            } else {
                "0.0.0.0:0".parse().ok()?
            };
            let mut endpoint = quinn::Endpoint::client(local).ok()?;
            endpoint.set_default_client_config(quinn::ClientConfig::new(Arc::new(crypto)));
            let connecting = endpoint.connect(target, "localhost").ok()?;
            // Nothing answers an Initial sent to a closed UDP port: wait only briefly.
            let connection = tokio::time::timeout(CONNECT_DEADLINE, connecting).await;
            let answered = match connection {
                Ok(Ok(connection)) => {
                    let exchange = async {
                        let (mut send, mut recv) = connection.open_bi().await.ok()?;
                        send.write_all(&PING).await.ok()?;
                        send.finish().ok()?;
                        let answer = recv.read_to_end(64).await.ok()?;
                        Some(answer == [0u8; 8])
                    };
                    let answered = tokio::time::timeout(ANSWER_DEADLINE, exchange).await;
                    connection.close(0u32.into(), b"probe");
                    answered.ok().flatten()
                }
                _ => None,
            };
            endpoint.close(0u32.into(), b"probe");
            answered
        })
    });
    probe.join().ok().flatten().unwrap_or(false)
}

/// Accepts TCP connections until `stop` turns true: `prepare` sees each socket where it
/// was accepted, `start` runs on the shard it is handed to (round robin).
pub async fn accept<P, S>(
    what: &'static str,
    listener: std::net::TcpListener,
    shards: Arc<Shards>,
    mut stop: watch::Receiver<bool>,
    prepare: P,
    start: S,
) where
    P: Fn(&tokio::net::TcpStream, SocketAddr),
    S: Fn(tokio::net::TcpStream, SocketAddr) + Clone + Send + 'static,
{
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            log::error!("cannot start accepting {what} connections: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    prepare(&stream, peer);
                    place(what, stream, peer, &shards, start.clone());
                }
                Err(e) => {
                    warn!("{what} accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
        }
    }
    info!("{what} listener stopped accepting");
}

/// Hands the socket to the next shard and runs `start` there.
fn place<S>(
    what: &'static str,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shards: &Shards,
    start: S,
) where
    S: FnOnce(tokio::net::TcpStream, SocketAddr) + Send + 'static,
{
    let std_stream = match stream.into_std() {
        Ok(s) => s,
        Err(e) => {
            warn!("cannot move the {what} connection from {peer} to a shard: {e}");
            return;
        }
    };
    let shard = shards.next_for_connection();
    let shard_id = shard.id;
    let spawned = shard.arbiter.spawn(async move {
        match tokio::net::TcpStream::from_std(std_stream) {
            Ok(stream) => start(stream, peer),
            Err(e) => {
                warn!("shard {shard_id}: cannot adopt the {what} connection from {peer}: {e}")
            }
        }
    });
    if !spawned {
        warn!("shard {shard_id} is stopped; {what} connection from {peer} dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_silent_listener_is_not_a_server() {
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        assert!(!binary_server_answers(addr, false));
        assert!(!binary_server_answers(addr, true));
        assert!(!websocket_server_answers(addr, false));
        drop(silent);
        assert!(!binary_server_answers(addr, false), "nothing listens now");
        assert!(!quic_server_answers(addr), "nothing listens on UDP");
    }

    #[test]
    fn a_ping_answer_is_a_server() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let answering = std::thread::spawn(move || {
            let (mut s, _) = server.accept().unwrap();
            let mut ping = [0u8; 8];
            s.read_exact(&mut ping).unwrap();
            assert_eq!(ping, [4, 0, 0, 0, 1, 0, 0, 0]);
            s.write_all(&[0u8; 8]).unwrap();
        });
        let refused =
            refuse_if_served("TCP", addr, |a| binary_server_answers(a, false)).unwrap_err();
        assert!(refused.contains(&addr.to_string()), "{refused}");
        assert!(refused.contains("another server is listening"), "{refused}");
        answering.join().unwrap();
    }

    #[test]
    fn two_reusable_sockets_share_a_port() {
        let first =
            reusable_socket("127.0.0.1:0".parse().unwrap(), Type::STREAM, Protocol::TCP).unwrap();
        first
            .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
            .unwrap();
        first.listen(8).unwrap();
        let addr = first.local_addr().unwrap().as_socket().unwrap();
        let second = reusable_socket(addr, Type::STREAM, Protocol::TCP).unwrap();
        second.bind(&addr.into()).unwrap();
    }
}
