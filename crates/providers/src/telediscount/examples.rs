//! The spec's example requests (telediscount.md), verbatim after the host, for every test that
//! replays them (the parser's, the relay's).

/// "Start of incoming call" as the spec writes it.
pub const INCOME: &str = "/script/telediscount/income.php?num_a=79039998877&num_m=79037778899&setup_time=98798798797897&api_call_id=c1f926a8f5727b77f9cbf39d8f35d061";

/// "End of call" as the spec writes it: answered by `SIP/0000000672` after 5 s, 12 s talk.
pub const CALL_FINISHED: &str = "/script/telediscount/call_finished.php?num_a=79039998877&num_m=79037778899&num_b=SIP/0000000672&setup_time=98798798797897&connection_time=12&waiting_time=5&api_call_id=c1f926a8f5727b77f9cbf39d8f35d061";
