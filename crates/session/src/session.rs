//! The session itself: the source's events through the pipeline to the subscriber.

use callpop_core::Pipeline;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::names::EmployeeNames;
use crate::{pbx_side, source, Connection, Plan, SessionEvent};

/// How many session events may wait for a slow subscriber before the pipeline waits too, and
/// how many call events may wait for the pipeline.
const QUEUE: usize = 256;

/// A running session. Its events come in order from [`Session::next`]; dropping it stops the
/// source, the pipeline and everything else it started.
pub struct Session {
    events: mpsc::Receiver<SessionEvent>,
    shutdown: CancellationToken,
}

impl Session {
    /// Starts `plan` in the background (on the current Tokio runtime).
    pub fn start(plan: Plan) -> Session {
        let (out, events) = mpsc::channel(QUEUE);
        let shutdown = CancellationToken::new();
        tokio::spawn(run(plan, out, shutdown.clone()));
        Session { events, shutdown }
    }

    /// The next thing that happened; `None` once the session has nothing more to say (its
    /// source ended).
    pub async fn next(&mut self) -> Option<SessionEvent> {
        self.events.recv().await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn run(plan: Plan, out: mpsc::Sender<SessionEvent>, shutdown: CancellationToken) {
    if let Err(e) = serve(plan, &out, &shutdown).await {
        // What was started before the failure has nothing to serve.
        shutdown.cancel();
        let _ = out.send(SessionEvent::Failed(e)).await;
    }
}

async fn serve(
    plan: Plan,
    out: &mpsc::Sender<SessionEvent>,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let (events_tx, mut events) = mpsc::channel(QUEUE);
    let Some(started) = source::start(&plan, events_tx, out, shutdown).await? else {
        return Ok(());
    };
    let names = match &started.account {
        Some(account) => {
            pbx_side::follow(account, &plan.store, out, shutdown);
            let _ = out.send(SessionEvent::AccountReady(account.clone())).await;
            EmployeeNames::fetch(account.clone())
        }
        None => EmployeeNames::default(),
    };
    if !started.relayed {
        let _ = out.send(SessionEvent::Connection(Connection::Online)).await;
    }

    let mut pipeline = Pipeline::new(plan.store.clone())
        .with_crm_links(plan.crm.clone())
        .with_auto_contacts(plan.auto_contacts.clone());
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        let Some(mut view) = pipeline.handle(&event) else {
            continue;
        };
        // With "me" configured only my calls pop up; without it, every call of the account.
        if !plan
            .only_calls_of
            .as_deref()
            .is_none_or(|me| view.involves(me))
        {
            continue;
        }
        names.name(&mut view);
        let told = if view.state.is_final() {
            SessionEvent::CallEnded(view)
        } else {
            SessionEvent::Card(view)
        };
        if out.send(told).await.is_err() {
            break;
        }
    }
    Ok(())
}
