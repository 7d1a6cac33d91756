//! One module per subcommand.

pub mod autodialer;
pub mod call;
pub mod contacts;
pub mod dnd;
pub mod groups;
pub mod hangup;
pub mod history;
pub mod import;
pub mod key;
pub mod lookup;
pub mod recording;
pub mod relay;
pub mod sim;
pub mod subscribe;
pub mod users;
pub mod watch;
