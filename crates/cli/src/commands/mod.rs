//! One module per subcommand.

pub mod call;
pub mod import;
pub mod key;
pub mod lookup;
pub mod sim;
pub mod watch;
