//! One module per subcommand.

pub mod call;
pub mod contacts;
pub mod hangup;
pub mod history;
pub mod import;
pub mod key;
pub mod lookup;
pub mod relay;
pub mod sim;
pub mod users;
pub mod watch;
