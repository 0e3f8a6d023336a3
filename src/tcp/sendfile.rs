//! Sending segment-file ranges on a TCP socket with `sendfile(2)`: the poll answer's stored
//! messages go from the page cache to the socket without being read into the process.

use crate::protocol::frame::ResponseSink;
use iggy_actors::partition::messages::FileRange;
use std::io;
use std::os::fd::AsRawFd;
use tokio::io::Interest;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;

impl ResponseSink for OwnedWriteHalf {
    async fn send_file(&mut self, range: &FileRange) -> io::Result<()> {
        let stream: &TcpStream = self.as_ref();
        let socket = stream.as_raw_fd();
        let file = range.file.as_raw_fd();
        let end = range.offset + range.len as u64;
        let mut offset =
            libc::off_t::try_from(range.offset).map_err(|_| io::ErrorKind::InvalidInput)?;
        while (offset as u64) < end {
            stream.writable().await?;
            let remaining = (end - offset as u64) as usize;
            let sent = stream.try_io(Interest::WRITABLE, || {
                // SAFETY: both descriptors are open for the whole call (the socket is
                // borrowed from `self`, the file is held by `range`), and `offset` is a
                // valid, exclusively borrowed off_t the kernel advances.
                let n = unsafe { libc::sendfile(socket, file, &mut offset, remaining) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match sent {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn hold_partial_packets(&mut self, hold: bool) {
        let stream: &TcpStream = self.as_ref();
        if let Err(e) = socket2::SockRef::from(stream).set_cork(hold) {
            log::debug!("TCP_CORK {hold}: {e}");
        }
    }
}
