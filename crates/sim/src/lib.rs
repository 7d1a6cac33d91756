//! PBX simulators: each speaks one provider's API as its spec says, so the clients in
//! `callpop-providers` can be tested end to end and the app can be demonstrated without a PBX.
//!
//! A simulator is built from the provider's spec (`docs/providers/<provider>.md`), never from our
//! client: when the two disagree, the test that talks to the simulator is the one that catches it.
//!
//! [`vega`] serves Vega's REST API (authorize, click-to-call, active calls, hangup, the call
//! history, users, recordings) on a local socket and plays scripted [`vega::Scenario`]s on a
//! timeline: a call appears in the active-calls list, is answered, hangs up, disappears and goes
//! into the history. Tests drive it through its Rust handle
//! ([`vega::VegaSimHandle`]); other processes drive it through control endpoints under `/_sim/`,
//! which are clearly not part of Vega's API. Faults (server errors, garbage, hangs, expired
//! sessions) can be injected to test a client's recovery. [`vega::demo`] plays a varied call every
//! few seconds, with numbers from a sample contact directory that ships with the crate.
//!
//! [`cloudpbx`] serves the cloud PBX's CRM API (`crm_api.wcgp`) and plays calls into a CRM by
//! POSTing its `contact`, `event` and `history` requests.
//!
//! [`telediscount`] serves Telediscount's `outcome` / `get_calls` / `get_record` and plays calls
//! as its `income` / `call_finished` GETs; [`mcn`] serves MCN Telecom's vpbx list, `call_log`,
//! recordings and `outbound_call` under `/v2/rest`, and plays calls as its JSON webhooks.
//!
//! [`autodialer`] serves the Autodialer's `make`, `newcall` and `cdr`, "dials" the records it
//! takes (at once when they have no time window, as the spec warns) and POSTs the completion
//! webhook for each call.

pub mod autodialer;
pub mod cloudpbx;
pub mod mcn;
mod server;
pub mod telediscount;
pub mod vega;
