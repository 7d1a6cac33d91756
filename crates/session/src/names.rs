//! The employee names on the cards ("answered by Daria"), from the PBX's employee list.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callpop_core::{find_employee, CallView, Employee};
use callpop_providers::Account;

/// How long the employee list may take before the cards go on without names.
pub const EMPLOYEES_WAIT: Duration = Duration::from_secs(10);

/// The PBX's employees, once it listed them; empty until then, and for good when it cannot.
#[derive(Clone, Default)]
pub struct EmployeeNames(Arc<Mutex<Vec<Employee>>>);

impl EmployeeNames {
    /// Fetches the list beside the events, so a slow PBX never holds a card back; a PBX that
    /// cannot list them (or takes longer than [`EMPLOYEES_WAIT`]) just leaves the names out.
    pub fn fetch(account: Arc<Account>) -> EmployeeNames {
        let names = EmployeeNames::default();
        let list = Arc::clone(&names.0);
        tokio::spawn(async move {
            match tokio::time::timeout(EMPLOYEES_WAIT, account.employees()).await {
                Ok(Ok(employees)) => *list.lock().expect("employees lock") = employees,
                Ok(Err(e)) => tracing::info!("no employee names for the card: {e}"),
                Err(_) => tracing::info!("no employee names for the card: the PBX was too slow"),
            }
        });
        names
    }

    /// Fills in the name of the employee on the call (who answered, who was rung), when the
    /// event did not carry it.
    pub fn name(&self, view: &mut CallView) {
        name_employee(view, &self.0.lock().expect("employees lock"));
    }
}

fn name_employee(view: &mut CallView, employees: &[Employee]) {
    if view.employee_name.is_some() {
        return;
    }
    let Some(who) = view.employee.as_deref() else {
        return;
    };
    view.employee_name = employees
        .iter()
        .find(|e| e.id == who || e.ext.as_deref() == Some(who))
        .or_else(|| find_employee(employees, who))
        .map(|e| e.name.clone());
}
