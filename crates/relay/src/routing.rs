//! Who gets an event: the hub's routing table, built from the client list.
//!
//! - a client with an extension (`ext`) gets the calls of that employee;
//! - a client with `groups` also gets the calls of every employee in those groups — an
//!   employee is in a group when a client bound to its extension lists it (so the sales floor's
//!   desktops, each `ext = "0xx"` with `groups = ["sales"]`, see one another's calls, and a
//!   head of sales without an extension but with `groups = ["sales"]` sees them all);
//! - a client with neither gets every call (a supervisor's screen, a CRM bridge);
//! - an event naming no employee goes only to the last kind: nobody's phone rang.
//!
//! Built once per client list, so publishing costs the recipients, not the clients: with
//! 10 000 desktops each bound to one extension, an event touches one or a dozen logs.

use std::collections::{HashMap, HashSet};

use crate::config::ClientEntry;

/// The routing table.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    /// Clients with neither extension nor groups.
    everyone: Vec<String>,
    /// Extension → the clients bound to it.
    by_ext: HashMap<String, Vec<String>>,
    /// Extension → the groups its employee is in.
    groups_of_ext: HashMap<String, Vec<String>>,
    /// Group → the clients that list it.
    by_group: HashMap<String, Vec<String>>,
}

impl Routes {
    pub(crate) fn new(clients: &[ClientEntry]) -> Routes {
        let mut routes = Routes::default();
        for client in clients {
            let ext = client
                .ext
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty());
            let groups: Vec<String> = client
                .groups
                .iter()
                .map(|g| g.trim().to_owned())
                .filter(|g| !g.is_empty())
                .collect();
            if ext.is_none() && groups.is_empty() {
                routes.everyone.push(client.name.clone());
            }
            if let Some(ext) = ext {
                routes
                    .by_ext
                    .entry(ext.to_owned())
                    .or_default()
                    .push(client.name.clone());
                let known = routes.groups_of_ext.entry(ext.to_owned()).or_default();
                for group in &groups {
                    if !known.contains(group) {
                        known.push(group.clone());
                    }
                }
            }
            for group in groups {
                routes
                    .by_group
                    .entry(group)
                    .or_default()
                    .push(client.name.clone());
            }
        }
        routes
    }

    /// The clients an event for `employee` (none: nobody's) goes to, each once.
    pub(crate) fn recipients(&self, employee: Option<&str>) -> Vec<&str> {
        let mut names: Vec<&str> = self.everyone.iter().map(String::as_str).collect();
        let Some(employee) = employee.map(str::trim) else {
            return names;
        };
        names.extend(
            self.by_ext
                .get(employee)
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
        let groups = self.groups_of_ext.get(employee).into_iter().flatten();
        let mut in_groups = groups
            .filter_map(|group| self.by_group.get(group))
            .flatten()
            .map(String::as_str)
            .peekable();
        if in_groups.peek().is_some() {
            let mut seen: HashSet<&str> = names.iter().copied().collect();
            for name in in_groups {
                if seen.insert(name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::issue_client_token;

    fn client(name: &str, ext: Option<&str>, groups: &[&str]) -> ClientEntry {
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        issue_client_token(name, ext, &groups).1
    }

    fn sorted(mut names: Vec<&str>) -> Vec<&str> {
        names.sort_unstable();
        names
    }

    #[test]
    fn a_call_reaches_its_employee_the_department_and_the_supervisors() {
        let routes = Routes::new(&[
            client("olena", Some("001"), &["sales"]),
            client("petro", Some("002"), &["sales"]),
            client("ivan", Some("003"), &["support"]),
            client("head-of-sales", None, &["sales"]),
            client("boss", None, &[]),
            client("lone", Some("004"), &[]),
        ]);
        assert_eq!(
            sorted(routes.recipients(Some("001"))),
            ["boss", "head-of-sales", "olena", "petro"]
        );
        assert_eq!(sorted(routes.recipients(Some(" 003 "))), ["boss", "ivan"]);
        assert_eq!(sorted(routes.recipients(Some("004"))), ["boss", "lone"]);
        assert_eq!(routes.recipients(Some("999")), ["boss"]);
        assert_eq!(routes.recipients(None), ["boss"]);
    }

    #[test]
    fn a_client_in_two_of_the_employees_groups_gets_the_event_once() {
        let routes = Routes::new(&[
            client("olena", Some("001"), &["sales", "key-accounts"]),
            client("head", None, &["sales", "key-accounts"]),
        ]);
        assert_eq!(sorted(routes.recipients(Some("001"))), ["head", "olena"]);
    }
}
