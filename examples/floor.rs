//! What the kernel alone charges for the write path on this machine: one thread receives
//! frames from loopback TCP into a reused buffer and appends them to a file (the two
//! copies every buffered-write server pays), another sends them at a fixed rate. It prints
//! the receiving thread's CPU seconds per GB, the floor under `examples/bench`'s server
//! CPU-s/GB for the same traffic. This VM's cost of fresh page-cache memory drifts over
//! the day, so compare the server against a floor measured at the same time.
//!
//! With `read-back`, the receiving thread also sends every frame it appended back out to
//! a consumer connection with `sendfile` (what a poll costs the server at least), and the
//! figure is per GB moved (in plus out), the unit of a produce-and-consume run.
//!
//! ```text
//! cargo run --release --example floor -- [dir] [MB/s] [batch bytes] [GB] [read-back]
//! ```
//! Defaults: the system temp dir, 300 MB/s (0: as fast as the sender can), 1,064,000-byte
//! frames (1000 messages of 1000 bytes with their 64-byte headers), 1.5 GB, no read-back.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Pins the calling thread to `core` (a warning when it cannot: the figure is then noisier).
fn pin_to_core(core: usize) {
    if let Err(e) = affinity::set_thread_affinity([core]) {
        eprintln!("floor: cannot pin a thread to core {core}: {e}");
    }
}

fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

fn arg<T: std::str::FromStr>(i: usize, default: T) -> T {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() -> std::io::Result<()> {
    let dir: String = arg(1, std::env::temp_dir().display().to_string());
    let rate: f64 = arg(2, 300.0);
    let frame: usize = arg(3, 1_064_000);
    let total: f64 = arg(4, 1.5);
    let read_back = std::env::args().nth(5).is_some_and(|a| a == "read-back");
    let frames = (total * 1e9 / frame as f64).ceil() as usize;
    let path = std::path::Path::new(&dir).join(format!("floor-{}.log", std::process::id()));

    // The receiver on the first allowed core (the server's in the README's runs), the
    // sender on the next one.
    let cores = iggy_actors::shard::allowed_cores();
    let (sink_core, sender_core) = (cores[0], cores[1 % cores.len()]);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let sink_path = path.clone();
    let sink = std::thread::spawn(move || -> std::io::Result<(f64, u64)> {
        pin_to_core(sink_core);
        let (mut socket, _) = listener.accept()?;
        let consumer = match read_back {
            true => Some(listener.accept()?.0),
            false => None,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&sink_path)?;
        let mut buffer = Vec::new();
        let mut bytes = 0u64;
        let mut sent: libc::off_t = 0;
        let start = thread_cpu_seconds();
        loop {
            let mut header = [0u8; 4];
            if socket.read_exact(&mut header).is_err() {
                return Ok((thread_cpu_seconds() - start, bytes));
            }
            buffer.resize(u32::from_le_bytes(header) as usize, 0);
            socket.read_exact(&mut buffer)?;
            file.write_all(&buffer)?;
            socket.write_all(&[0u8; 8])?;
            bytes += buffer.len() as u64;
            if let Some(consumer) = &consumer {
                while (sent as u64) < bytes {
                    let left = (bytes - sent as u64) as usize;
                    // SAFETY: both descriptors are open for the call; `sent` is a valid
                    // off_t the kernel advances.
                    let n = unsafe {
                        libc::sendfile(consumer.as_raw_fd(), file.as_raw_fd(), &mut sent, left)
                    };
                    if n <= 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
            }
        }
    });

    pin_to_core(sender_core);
    let mut socket = TcpStream::connect(address)?;
    // The consumer drains what the sink sends back, on the sender's core.
    let drain = match read_back {
        true => {
            let mut consumer = TcpStream::connect(address)?;
            Some(std::thread::spawn(move || {
                pin_to_core(sender_core);
                let mut buffer = vec![0u8; 1 << 20];
                while matches!(consumer.read(&mut buffer), Ok(n) if n > 0) {}
            }))
        }
        false => None,
    };
    let mut payload = vec![7u8; frame + 4];
    payload[..4].copy_from_slice(&(frame as u32).to_le_bytes());
    let interval = match rate > 0.0 {
        true => Duration::from_secs_f64(frame as f64 / (rate * 1e6)),
        false => Duration::ZERO,
    };
    let began = Instant::now();
    let mut answer = [0u8; 8];
    for i in 0..frames {
        let due = began + interval * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        socket.write_all(&payload)?;
        socket.read_exact(&mut answer)?;
    }
    drop(socket);
    let (cpu, bytes) = sink.join().expect("the sink thread panicked")?;
    if let Some(drain) = drain {
        drain.join().expect("the consumer thread panicked");
    }
    let _ = std::fs::remove_file(&path);
    let moved = if read_back { 2 * bytes } else { bytes };
    println!(
        "floor: {:.3} GB {} at {:.0} MB/s in {:.2} s: receiving thread {:.3} CPU-s, {:.3} CPU-s/GB",
        moved as f64 / 1e9,
        if read_back { "moved (in + out)" } else { "in" },
        bytes as f64 / 1e6 / began.elapsed().as_secs_f64(),
        began.elapsed().as_secs_f64(),
        cpu,
        cpu / (moved as f64 / 1e9)
    );
    Ok(())
}
