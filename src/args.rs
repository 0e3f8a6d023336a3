//! Command-line arguments.

use argh::FromArgs;

/// A persistent message-streaming server speaking the Apache Iggy protocols.
#[derive(FromArgs, Debug)]
pub struct Args {
    /// configuration provider; "file" (the default) is the only one
    #[argh(option, short = 'c', default = "String::from(\"file\")")]
    pub config_provider: String,

    /// delete the whole data directory (system.path) before starting
    #[argh(switch, short = 'f')]
    pub fresh: bool,

    /// create the root user as iggy/iggy when IGGY_ROOT_USERNAME/IGGY_ROOT_PASSWORD are
    /// not set (development only; matters only when the root user does not exist yet)
    #[argh(switch)]
    pub with_default_root_credentials: bool,

    /// report this node as a follower in the cluster metadata (with cluster.enabled)
    #[argh(switch)]
    pub follower: bool,

    /// print the version and exit
    #[argh(switch, short = 'V')]
    pub version: bool,
}
