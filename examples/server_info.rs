//! Connects to a running server with the official SDK, logs in and prints what the
//! server says about itself and its clients.
//!
//! ```sh
//! cargo run --example server_info -- 127.0.0.1:8090 iggy iggy
//! ```

use iggy::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:8090".to_string());
    let username = args.next().unwrap_or_else(|| "iggy".to_string());
    let password = args.next().unwrap_or_else(|| "iggy".to_string());

    let client = IggyClient::builder()
        .with_tcp()
        .with_server_address(address.clone())
        .with_no_delay()
        .build()?;
    client.connect().await?;
    client.ping().await?;
    let identity = client.login_user(&username, &password).await?;
    println!("logged in to {address} as user {}", identity.user_id);

    let me = client.get_me().await?;
    println!("this client: id {} from {}", me.client_id, me.address);

    let stats = client.get_stats().await?;
    println!(
        "server {} (pid {}) on {} {}: {} client(s), memory {}",
        stats.iggy_server_version,
        stats.process_id,
        stats.os_name,
        stats.os_version,
        stats.clients_count,
        stats.memory_usage
    );
    for c in client.get_clients().await? {
        println!(
            "client {} user {:?} {} {}",
            c.client_id, c.user_id, c.transport, c.address
        );
    }
    client.logout_user().await?;
    Ok(())
}
