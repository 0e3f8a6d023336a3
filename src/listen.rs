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

use socket2::{Domain, Protocol, Socket, Type};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

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
    Ok(socket.into())
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

/// Whether a server speaking the binary protocol answers a `Ping` on `addr` over TCP
/// within the deadline. Refused connections, silence, a closed connection and anything
/// that is not the 8-byte empty success all answer false.
pub fn binary_server_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&reachable(addr), CONNECT_DEADLINE) else {
        return false;
    };
    // length 4 (just the code), code 1 (Ping)
    let ping = [4u8, 0, 0, 0, 1, 0, 0, 0];
    if stream.set_read_timeout(Some(ANSWER_DEADLINE)).is_err()
        || stream.set_write_timeout(Some(ANSWER_DEADLINE)).is_err()
        || stream.write_all(&ping).is_err()
    {
        return false;
    }
    let mut answer = [0u8; 8];
    stream.read_exact(&mut answer).is_ok() && answer == [0u8; 8]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_silent_listener_is_not_a_server() {
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        assert!(!binary_server_answers(addr));
        drop(silent);
        assert!(!binary_server_answers(addr), "nothing listens now");
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
        let refused = refuse_if_served("TCP", addr, binary_server_answers).unwrap_err();
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
