//! What a click on a toggle (Do-Not-Disturb, a department's calls) means while the PBX has not
//! answered the previous one yet.
//!
//! GTK ticks a tray checkbox the moment it is clicked, but the PBX's read-back comes a while
//! later (a slow PBX, a slow network). Deriving the next click from the PBX's last word made a
//! second click before that answer send "on" again instead of "off". Here a click flips what the
//! user *sees*: the state in flight, or the one queued behind it. While a change is in flight, a
//! second click queues the reversal and a third one cancels it; a change is never sent twice and
//! two changes to one toggle are never on the wire at once, so the PBX ends where the user left
//! the box.
//!
//! The PBX stays the source of truth for everything else: once nothing is in flight, the toggle
//! shows what the PBX last said.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// Which toggle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Toggle {
    /// Do-Not-Disturb.
    Dnd,
    /// Receiving the calls of the department with this id.
    Group(String),
}

impl Toggle {
    /// Asks the PBX to turn this toggle `on` or off.
    pub async fn send(
        &self,
        account: &callpop_providers::Account,
        on: bool,
    ) -> Result<(), callpop_providers::ProviderError> {
        match self {
            Toggle::Dnd => account.set_dnd(on).await,
            Toggle::Group(group) => account.subscribe(Some(group), on).await,
        }
    }
}

/// A change sent to the PBX and not answered yet, and what to send after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    sending: bool,
    then: Option<bool>,
}

/// The changes in flight, per toggle. Lock briefly; never across an await.
#[derive(Debug, Default)]
pub struct Intents(HashMap<Toggle, InFlight>);

impl Intents {
    /// What the toggle shows: the latest wish while changes are in flight, else what the PBX
    /// last said (`pbx`).
    pub fn shown(&self, toggle: &Toggle, pbx: Option<bool>) -> Option<bool> {
        match self.0.get(toggle) {
            Some(change) => Some(change.then.unwrap_or(change.sending)),
            None => pbx,
        }
    }

    /// The user clicked the toggle, which showed `shown(toggle, pbx)`: the state to send now,
    /// or `None` when it waits behind (or cancels) the change in flight.
    pub fn click(&mut self, toggle: &Toggle, pbx: Option<bool>) -> Option<bool> {
        let target = !self.shown(toggle, pbx).unwrap_or(false);
        self.want(toggle, target)
    }

    /// The user asked for `target` (a switch that sends its state): the state to send now, or
    /// `None` when it waits behind (or cancels) the change in flight.
    pub fn want(&mut self, toggle: &Toggle, target: bool) -> Option<bool> {
        match self.0.get_mut(toggle) {
            Some(change) => {
                change.then = (target != change.sending).then_some(target);
                None
            }
            None => {
                self.0.insert(
                    toggle.clone(),
                    InFlight {
                        sending: target,
                        then: None,
                    },
                );
                Some(target)
            }
        }
    }

    /// The PBX answered the change in flight and now says `pbx` (`None`: the read-back
    /// failed): the state to send next, if the user changed their mind meanwhile.
    pub fn answered(&mut self, toggle: &Toggle, pbx: Option<bool>) -> Option<bool> {
        let change = self.0.get_mut(toggle)?;
        match change.then.take() {
            Some(next) if Some(next) != pbx => {
                change.sending = next;
                Some(next)
            }
            _ => {
                self.0.remove(toggle);
                None
            }
        }
    }
}

/// Carries a change through: sends `first` with `send`, reads the PBX back with `read_back`,
/// and goes on with whatever the user asked for meanwhile ([`Intents::answered`]) until nothing
/// is left. Call it only with what [`Intents::click`] or [`Intents::want`] said to send now.
/// Returns the last send's result.
pub async fn carry_out<E, Send, Sent, Read, ReadBack>(
    intents: &Mutex<Intents>,
    toggle: &Toggle,
    first: bool,
    send: Send,
    read_back: Read,
) -> Result<(), E>
where
    Send: Fn(bool) -> Sent,
    Sent: Future<Output = Result<(), E>>,
    Read: Fn() -> ReadBack,
    ReadBack: Future<Output = Option<bool>>,
{
    let mut target = first;
    loop {
        let result = send(target).await;
        let pbx = read_back().await;
        let next = intents
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .answered(toggle, pbx);
        match next {
            Some(next) => target = next,
            None => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use callpop_core::secrets::Secret;
    use callpop_core::AccountConfig;
    use callpop_providers::{Account, ProviderError};
    use callpop_sim::cloudpbx::{self, CloudPbxSimConfig, CloudPbxSimHandle, PresenceChange};

    use super::*;

    const KEY: &str = "intent-test-token";

    #[test]
    fn a_second_click_before_the_answer_queues_the_reversal_and_a_third_cancels_it() {
        let mut intents = Intents::default();
        let dnd = Toggle::Dnd;
        // The PBX says off; the user ticks the box: "on" goes out.
        assert_eq!(intents.click(&dnd, Some(false)), Some(true));
        assert_eq!(intents.shown(&dnd, Some(false)), Some(true));
        // Unticks before the PBX answered (it still reads "off"): nothing goes out yet.
        assert_eq!(intents.click(&dnd, Some(false)), None);
        assert_eq!(intents.shown(&dnd, Some(false)), Some(false));
        // Ticks again: the reversal is cancelled, the box shows "on".
        assert_eq!(intents.click(&dnd, Some(false)), None);
        assert_eq!(intents.shown(&dnd, Some(false)), Some(true));
        // The PBX answers "on": nothing more to send, the PBX's word is shown again.
        assert_eq!(intents.answered(&dnd, Some(true)), None);
        assert_eq!(intents.shown(&dnd, Some(true)), Some(true));
    }

    #[test]
    fn a_reversal_is_sent_after_the_answer_unless_the_pbx_already_is_there() {
        let mut intents = Intents::default();
        let sales = Toggle::Group("sales".into());
        assert_eq!(intents.click(&sales, Some(true)), Some(false));
        assert_eq!(intents.click(&sales, Some(true)), None);
        // The PBX took "off": the queued "on" goes out next.
        assert_eq!(intents.answered(&sales, Some(false)), Some(true));
        assert_eq!(intents.shown(&sales, Some(false)), Some(true));
        assert_eq!(intents.answered(&sales, Some(true)), None);

        // The change failed and the PBX still says "on": the queued "on" needs no request.
        assert_eq!(intents.click(&sales, Some(true)), Some(false));
        assert_eq!(intents.click(&sales, Some(true)), None);
        assert_eq!(intents.answered(&sales, Some(true)), None);
        assert_eq!(intents.shown(&sales, Some(true)), Some(true));
    }

    #[test]
    fn toggles_are_independent_and_a_switch_asking_twice_for_the_same_state_sends_it_once() {
        let mut intents = Intents::default();
        let (dnd, sales) = (Toggle::Dnd, Toggle::Group("sales".into()));
        assert_eq!(intents.want(&dnd, true), Some(true));
        assert_eq!(intents.click(&sales, Some(true)), Some(false));
        assert_eq!(intents.want(&dnd, true), None);
        assert_eq!(intents.answered(&dnd, Some(true)), None);
        assert_eq!(intents.shown(&sales, Some(true)), Some(false));
    }

    /// The cloud PBX simulator, answering each change after `delay`, and daria's account on it.
    async fn slow_pbx(delay: Duration) -> (CloudPbxSimHandle, Arc<Account>) {
        let sim = cloudpbx::start(
            "127.0.0.1:0",
            CloudPbxSimConfig {
                token: KEY.into(),
                answer_delay: delay,
                ..CloudPbxSimConfig::default()
            },
        )
        .await
        .expect("the simulator starts");
        let mut config = AccountConfig::new("cloudpbx", "intent.example.com");
        config.base_url = Some(sim.base_url());
        config.user = Some("daria".into());
        let account =
            Account::connect(&config, &Secret::new(KEY), "RU").expect("an account on the sim");
        (sim, Arc::new(account))
    }

    /// A click as the tray makes it: decided at once from what the toggle shows, carried out in
    /// the background against the PBX.
    fn click(
        intents: &Arc<Mutex<Intents>>,
        account: &Arc<Account>,
        toggle: &Toggle,
        pbx: Option<bool>,
    ) -> Option<tokio::task::JoinHandle<Result<(), ProviderError>>> {
        let first = intents.lock().unwrap().click(toggle, pbx)?;
        let (intents, account, toggle) = (intents.clone(), account.clone(), toggle.clone());
        Some(tokio::spawn(async move {
            let send = |on| {
                let (account, toggle) = (account.clone(), toggle.clone());
                async move { toggle.send(&account, on).await }
            };
            let read_back = || {
                let (account, toggle) = (account.clone(), toggle.clone());
                async move {
                    match &toggle {
                        Toggle::Dnd => account.dnd().await.ok(),
                        Toggle::Group(group) => account.subscription(group).await.ok(),
                    }
                }
            };
            carry_out(&intents, &toggle, first, send, read_back).await
        }))
    }

    #[tokio::test]
    async fn two_dnd_clicks_before_a_slow_pbx_answers_leave_it_off_and_never_send_on_twice() {
        let (sim, account) = slow_pbx(Duration::from_millis(400)).await;
        let intents = Arc::new(Mutex::new(Intents::default()));
        let dnd = Toggle::Dnd;
        // What the tray shows: the PBX's last word, read before the clicks.
        let pbx = account.dnd().await.ok();
        assert_eq!(pbx, Some(false));

        let first = click(&intents, &account, &dnd, pbx).expect("the first click sends");
        // The impatient second click: the PBX has not answered, its read-back still says off.
        assert!(click(&intents, &account, &dnd, pbx).is_none());
        assert_eq!(intents.lock().unwrap().shown(&dnd, pbx), Some(false));
        first.await.expect("no panic").expect("the PBX took it");

        assert_eq!(
            sim.presence_changes(),
            vec![
                PresenceChange::Dnd("daria".into(), true),
                PresenceChange::Dnd("daria".into(), false),
            ]
        );
        assert!(!sim.dnd("daria"), "the PBX ends as the user left the box");
        assert_eq!(
            intents.lock().unwrap().shown(&dnd, Some(false)),
            Some(false)
        );
    }

    #[tokio::test]
    async fn two_department_clicks_before_a_slow_pbx_answers_leave_it_subscribed() {
        let (sim, account) = slow_pbx(Duration::from_millis(400)).await;
        let intents = Arc::new(Mutex::new(Intents::default()));
        let sales = Toggle::Group("sales".into());
        let pbx = account.subscription("sales").await.ok();
        assert_eq!(pbx, Some(true));

        let first = click(&intents, &account, &sales, pbx).expect("the first click sends");
        assert!(click(&intents, &account, &sales, pbx).is_none());
        first.await.expect("no panic").expect("the PBX took it");

        assert_eq!(
            sim.presence_changes(),
            vec![
                PresenceChange::Subscription("daria".into(), Some("sales".into()), false),
                PresenceChange::Subscription("daria".into(), Some("sales".into()), true),
            ]
        );
        assert!(sim.subscribed("daria", "sales"));
    }
}
