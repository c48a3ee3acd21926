//! CRM owners v3: the users of each account that records can be assigned to, as HubSpot's
//! `PublicOwner`s. Each account starts with its installing user and, unless configured away,
//! four sample colleagues at its domain (one deactivated); more come from the configuration or
//! the `/_sandbox/accounts/{hubId}/owners` knob. There is no write API at HubSpot.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::{accounts::Account, clock, config::OwnerConfig};

/// The scopes that allow reading owners: HubSpot's spec accepts either.
pub const READ_SCOPES: &[&str] = &["crm.objects.owners.read", "automation"];

/// The largest `limit` of the owners list (HubSpot's spec declares none; its answers refuse more
/// than 500).
pub const MAX_LIMIT: u64 = 500;

/// The first owner id handed out is one above this (ids are unique across accounts and
/// int32s, as HubSpot's path parameter is).
const FIRST_OWNER_ID: u64 = 50_000_000;
/// The first team id handed out is one above this.
const FIRST_TEAM_ID: u64 = 300_000;

/// The sample colleagues of every account (local part, first name, last name, teams,
/// archived), at the account's domain.
const SAMPLES: &[(&str, &str, &str, &[&str], bool)] = &[
    ("grace.hopper", "Grace", "Hopper", &["Sales"], false),
    (
        "alan.turing",
        "Alan",
        "Turing",
        &["Sales", "Support"],
        false,
    ),
    (
        "katherine.johnson",
        "Katherine",
        "Johnson",
        &["Support"],
        false,
    ),
    ("margaret.hamilton", "Margaret", "Hamilton", &[], true),
];

/// One owner.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The owner id (`id`, a string in answers).
    pub id: u64,
    /// The user id (`userId`, absent when archived; always `userIdIncludingInactive`).
    pub user_id: u32,
    /// Lower-case email.
    pub email: String,
    /// `firstName`.
    pub first_name: String,
    /// `lastName`.
    pub last_name: String,
    /// Team ids and names; the first is the primary team.
    pub teams: Vec<(u64, String)>,
    /// A deactivated user.
    pub archived: bool,
    /// Creation time, ms.
    pub created_ms: u64,
    /// Last change, ms.
    pub updated_ms: u64,
}

impl Owner {
    /// The owner as HubSpot's `PublicOwner`. Teams are left out when there are none, as
    /// HubSpot sends them only "if applicable"; `userId` is left out for a deactivated user
    /// (HubSpot's docs: `null`; its spec types it as a non-null integer).
    pub fn public(&self) -> Value {
        let mut owner = json!({
            "id": self.id.to_string(),
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userIdIncludingInactive": self.user_id,
            "createdAt": clock::iso8601(self.created_ms),
            "updatedAt": clock::iso8601(self.updated_ms),
            "archived": self.archived,
        });
        if !self.archived {
            owner["userId"] = json!(self.user_id);
        }
        if !self.teams.is_empty() {
            owner["teams"] = self
                .teams
                .iter()
                .enumerate()
                .map(|(i, (id, name))| json!({"id": id.to_string(), "name": name, "primary": i == 0}))
                .collect();
        }
        owner
    }
}

/// How `GET /crm/v3/owners/{ownerId}` names the owner (`idProperty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKey {
    /// The owner id (the default).
    Id(u64),
    /// The user id (`idProperty=userId`).
    UserId(u64),
}

/// Why an owner could not be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerRefused {
    /// The account has an owner with this email.
    Exists(String),
    /// The email or a team name is not valid.
    Invalid(String),
}

/// One account's owners and teams.
#[derive(Debug, Default)]
pub struct OwnerBook {
    by_id: BTreeMap<u64, Owner>,
    teams: BTreeMap<String, u64>,
}

impl OwnerBook {
    /// The owner named by `key`, archived ones only when asked for.
    pub fn find(&self, key: OwnerKey, archived: bool) -> Option<&Owner> {
        let found = match key {
            OwnerKey::Id(id) => self.by_id.get(&id),
            OwnerKey::UserId(user_id) => self
                .by_id
                .values()
                .find(|o| u64::from(o.user_id) == user_id),
        };
        found.filter(|o| o.archived == archived)
    }

    /// Every owner in id order, live and archived.
    pub fn all(&self) -> impl Iterator<Item = &Owner> {
        self.by_id.values()
    }

    /// One page of the list: live (or archived) owners with id ≥ `after`, only those with
    /// `email` when given (case-insensitive), and the cursor of the next page when there is more.
    pub fn page(
        &self,
        after: u64,
        limit: usize,
        archived: bool,
        email: Option<&str>,
    ) -> (Vec<&Owner>, Option<u64>) {
        let mut rest = self
            .by_id
            .range(after..)
            .map(|(_, o)| o)
            .filter(|o| o.archived == archived)
            .filter(|o| email.is_none_or(|e| o.email.eq_ignore_ascii_case(e.trim())));
        let page: Vec<&Owner> = rest.by_ref().take(limit).collect();
        let next = match (rest.next(), page.last()) {
            (Some(_), Some(last)) => Some(last.id + 1),
            _ => None,
        };
        (page, next)
    }
}

/// The owners of every account, and the id counters.
#[derive(Debug)]
pub struct Owners {
    books: HashMap<u32, OwnerBook>,
    last_owner_id: u64,
    last_team_id: u64,
}

impl Default for Owners {
    fn default() -> Self {
        Self {
            books: HashMap::new(),
            last_owner_id: FIRST_OWNER_ID,
            last_team_id: FIRST_TEAM_ID,
        }
    }
}

impl Owners {
    /// The owners of a new account: its installing user (whose `userId` is the account's user
    /// id, as in tokens), the sample colleagues if `samples`, then `extra`. An owner whose
    /// email is taken is skipped (a sample colleague that is also the installing user).
    pub fn seed(&mut self, account: &Account, samples: bool, extra: &[OwnerConfig], now_ms: u64) {
        let installing = OwnerConfig::new(&account.user_email);
        let _ = self.insert(account.hub_id, &installing, Some(account.user_id), now_ms);
        if samples {
            for (local, first, last, teams, archived) in SAMPLES {
                let mut owner =
                    OwnerConfig::new(&format!("{local}@{}", account.hub_domain)).name(first, last);
                owner.teams = teams.iter().map(|t| (*t).to_owned()).collect();
                owner.archived = *archived;
                let _ = self.insert(account.hub_id, &owner, None, now_ms);
            }
        }
        for owner in extra {
            let _ = self.insert(account.hub_id, owner, None, now_ms);
        }
    }

    /// Adds an owner to an account (the knob).
    pub fn add(
        &mut self,
        hub_id: u32,
        owner: &OwnerConfig,
        now_ms: u64,
    ) -> Result<&Owner, OwnerRefused> {
        owner
            .validate()
            .map_err(|error| OwnerRefused::Invalid(error.to_string()))?;
        self.insert(hub_id, owner, None, now_ms)
    }

    /// The owners of an account.
    pub fn book(&self, hub_id: u32) -> Option<&OwnerBook> {
        self.books.get(&hub_id)
    }

    fn insert(
        &mut self,
        hub_id: u32,
        config: &OwnerConfig,
        user_id: Option<u32>,
        now_ms: u64,
    ) -> Result<&Owner, OwnerRefused> {
        let Self {
            books,
            last_owner_id,
            last_team_id,
        } = self;
        let email = config.email.trim().to_ascii_lowercase();
        let book = books.entry(hub_id).or_default();
        if book.by_id.values().any(|o| o.email == email) {
            return Err(OwnerRefused::Exists(email));
        }
        let mut teams = Vec::new();
        for name in &config.teams {
            let id = *book.teams.entry(name.clone()).or_insert_with(|| {
                *last_team_id += 1;
                *last_team_id
            });
            if !teams.iter().any(|(other, _)| *other == id) {
                teams.push((id, name.clone()));
            }
        }
        *last_owner_id += 1;
        let owner = Owner {
            id: *last_owner_id,
            user_id: user_id.unwrap_or_else(|| rand::random_range(1_000_000..100_000_000)),
            email,
            first_name: config.first_name.clone(),
            last_name: config.last_name.clone(),
            teams,
            archived: config.archived,
            created_ms: now_ms,
            updated_ms: now_ms,
        };
        Ok(book.by_id.entry(owner.id).or_insert(owner))
    }
}

/// A first and last name from an email's local part: `ada.lovelace+crm@…` is ("Ada",
/// "Lovelace"), `ada@…` is ("Ada", ""); words of digits only are dropped.
pub fn names_from_email(email: &str) -> (String, String) {
    let local = email.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    let mut words = local
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(capitalized);
    let first = words.next().unwrap_or_default();
    let last: Vec<String> = words.collect();
    (first, last.join(" "))
}

fn capitalized(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_local_part() {
        let name = |email| names_from_email(email);
        assert_eq!(name("ada@acme.test"), ("Ada".into(), String::new()));
        assert_eq!(
            name("ada.lovelace@acme.test"),
            ("Ada".into(), "Lovelace".into())
        );
        assert_eq!(
            name("JOHN_van-DYKE+crm@x.org"),
            ("John".into(), "Van Dyke".into())
        );
        assert_eq!(
            name("tester-123456@example.com"),
            ("Tester".into(), String::new())
        );
    }

    fn account(email: &str) -> Account {
        Account {
            hub_id: 1,
            user_id: 4242,
            user_email: email.into(),
            hub_domain: "acme.test".into(),
        }
    }

    #[test]
    fn an_account_gets_its_user_and_the_samples_once() {
        let mut owners = Owners::default();
        owners.seed(&account("grace.hopper@acme.test"), true, &[], 0);
        let book = owners.book(1).expect("seeded");
        let all: Vec<&Owner> = book.all().collect();
        assert_eq!(all.len(), 4, "Grace is the user, not a second sample");
        assert_eq!(all[0].id, FIRST_OWNER_ID + 1);
        assert_eq!(all[0].user_id, 4242);
        assert_eq!(all[0].first_name, "Grace");
        assert_eq!(book.page(0, 10, false, None).0.len(), 3);
        assert_eq!(book.page(0, 10, true, None).0.len(), 1);
        let found = book.page(0, 10, false, Some("ALAN.turing@acme.test")).0;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].teams.len(), 2);
    }

    #[test]
    fn the_read_scopes_are_the_specs() {
        super::super::assert_spec_read_scopes(
            "crm-owners-v3.json",
            &["/crm/v3/owners", "/crm/v3/owners/{ownerId}"],
            READ_SCOPES,
        );
    }
}
