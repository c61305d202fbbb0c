//! The commands that call AWS, in a `wfc` built without them (the default build: the AWS SDK is
//! most of a cold build, and the offline commands never call AWS). They keep their names and
//! `--help`, and answer with how to get them, exit 2: never a panic or an unknown subcommand.

use super::UNUSABLE;

/// How to get a `wfc` with every command; the README says the same.
pub const HOW_TO_GET_AWS: &str = "cargo install --path . --features aws";

/// Whatever arguments the real command takes: they are not read.
#[derive(clap::Args)]
#[command(after_help = "This wfc was built without AWS support. Every command: \
    `cargo install --path . --features aws` (or `cargo run --release --features aws -- …`).")]
pub struct Unavailable {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<String>,
}

pub fn refuse(command: &str) -> u8 {
    eprintln!(
        "error: `wfc {command}` calls AWS, and this wfc was built without AWS support \
         (the offline commands build without the AWS SDK). Get every command with \
         `{HOW_TO_GET_AWS}` (or run `cargo run --release --features aws -- {command} …`)."
    );
    UNUSABLE
}
