//! Loading a deploy directory: `events/*.yaml`, `notifications/*.yaml`, `integrations/*.yaml`,
//! `workflows/*.yaml` and the optional `appearance.yaml`, each file read and checked on its own
//! (a workflow against its integration's page, whose settings it reads), then the checks across
//! files. Every problem is collected, so one deploy
//! shows them all.

use std::{
    collections::HashMap,
    fs, io,
    path::{Path, PathBuf},
};

use super::{
    appearance,
    error::{DeployError, DeployErrors, Problem},
    event,
    fields::{Report, Reporter},
    integration_page,
    model::{AppEvent, Bundle, IntegrationPage, Workflow},
    notification, workflow,
    yaml::{self, Node, Pos},
};

/// The portal's look, at the root of the directory (docs/workflows.md, "The portal's look").
const APPEARANCE_FILE: &str = "appearance.yaml";

/// Larger than any hand-written definition; keeps a stray file from being read into memory.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Loads and validates the deploy directory `dir` (see docs/workflows.md). Files are read in
/// name order; files whose names do not end in `.yaml` or `.yml` are ignored. Errors name files
/// relative to `dir`, sorted by file and line.
pub fn load_dir(dir: &Path) -> Result<Bundle, DeployErrors> {
    if !dir.is_dir() {
        let problem = Problem::Read("not a directory".into());
        return Err(DeployErrors(vec![DeployError::whole(dir, problem)]));
    }
    let mut errors = Vec::new();
    let mut events = Vec::new();
    let mut every_event_read = true;
    for (file, text) in read_files(dir, "events", &mut errors) {
        let read = read_file(&file, text, event::read, &mut errors);
        every_event_read &= read.is_some();
        events.extend(read.map(|read| (file, read)));
    }
    let mut notifications = Vec::new();
    let mut every_notification_read = true;
    for (file, text) in read_files(dir, "notifications", &mut errors) {
        let read = read_file(&file, text, notification::read, &mut errors);
        every_notification_read &= read.is_some();
        notifications.extend(read.map(|read| (file, read)));
    }
    let mut pages = Vec::new();
    for (file, text) in read_files(dir, "integrations", &mut errors) {
        let read = read_file(&file, text, integration_page::read, &mut errors);
        pages.extend(read.map(|read| (file, read)));
    }
    check_pages(&pages, &mut errors);
    let page_list: Vec<IntegrationPage> = pages.into_iter().map(|(_, r)| r.page).collect();
    let mut workflows = Vec::new();
    let workflow_files = read_files(dir, "workflows", &mut errors);
    if workflow_files.is_empty() && errors.iter().all(|e| e.file != Path::new("workflows")) {
        errors.push(DeployError::whole(
            Path::new("workflows"),
            Problem::NoWorkflows,
        ));
    }
    for (file, text) in workflow_files {
        let read = read_file(
            &file,
            text,
            |root, report| workflow::read(root, &page_list, report),
            &mut errors,
        );
        workflows.extend(read.map(|read| (file, read)));
    }
    let appearance = read_appearance(dir, &mut errors);
    check_across_files(&events, &workflows, every_event_read, &mut errors);
    check_notifications(
        &notifications,
        &workflows,
        every_notification_read,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(DeployErrors::sorted(errors));
    }
    Ok(Bundle {
        events: events.into_iter().map(|(_, read)| read.event).collect(),
        workflows: workflows.into_iter().map(|(_, r)| r.workflow).collect(),
        integrations: page_list,
        appearance,
        notifications: notifications
            .into_iter()
            .map(|(_, read)| read.notification)
            .collect(),
    })
}

/// `appearance.yaml` when the directory has one.
fn read_appearance(dir: &Path, errors: &mut Vec<DeployError>) -> Option<appearance::Appearance> {
    let path = dir.join(APPEARANCE_FILE);
    if !path.exists() {
        return None;
    }
    let file = Path::new(APPEARANCE_FILE);
    let text = if path.is_file() {
        read_text(&path)
    } else {
        Err(Problem::Read("not a file".into()))
    };
    read_file(file, text, appearance::read, errors)
}

/// Reads and checks one workflow file on its own: everything but the checks that need the other
/// files (its trigger's event declared, its id unique).
pub fn parse_workflow(file: impl AsRef<Path>, text: &str) -> Result<Workflow, DeployErrors> {
    let mut errors = Vec::new();
    let read = read_file(
        file.as_ref(),
        Ok(text.to_owned()),
        |root, report| workflow::read(root, &[], report),
        &mut errors,
    );
    match read {
        Some(read) if errors.is_empty() => Ok(read.workflow),
        _ => Err(DeployErrors::sorted(errors)),
    }
}

/// Reads and checks one App Event file.
pub fn parse_event(file: impl AsRef<Path>, text: &str) -> Result<AppEvent, DeployErrors> {
    let mut errors = Vec::new();
    let read = read_file(file.as_ref(), Ok(text.to_owned()), event::read, &mut errors);
    match read {
        Some(read) if errors.is_empty() => Ok(read.event),
        _ => Err(DeployErrors::sorted(errors)),
    }
}

/// One page per integration.
fn check_pages(pages: &[(PathBuf, integration_page::Read)], errors: &mut Vec<DeployError>) {
    for (i, (file, read)) in pages.iter().enumerate() {
        let first = pages[..i]
            .iter()
            .find(|(_, other)| other.page.integration == read.page.integration);
        if let Some((first, _)) = first {
            errors.push(DeployError::at(
                file,
                read.integration_pos,
                Problem::DuplicateIntegrationPage {
                    integration: read.page.integration.to_string(),
                    first: first.display().to_string(),
                },
            ));
        }
    }
}

fn check_across_files(
    events: &[(PathBuf, event::Read)],
    workflows: &[(PathBuf, workflow::Read)],
    every_event_read: bool,
    errors: &mut Vec<DeployError>,
) {
    let mut names: HashMap<&str, &Path> = HashMap::new();
    for (file, read) in events {
        let name = read.event.name.as_str();
        match names.get(name) {
            Some(first) => errors.push(DeployError::at(
                file,
                read.name_pos,
                Problem::DuplicateEvent {
                    name: name.to_owned(),
                    first: first.display().to_string(),
                },
            )),
            None => _ = names.insert(name, file),
        }
    }
    let mut ids: HashMap<&str, &Path> = HashMap::new();
    for (file, read) in workflows {
        let id = read.workflow.id.as_str();
        match ids.get(id) {
            Some(first) => errors.push(DeployError::at(
                file,
                read.id_pos,
                Problem::DuplicateWorkflow {
                    id: id.to_owned(),
                    first: first.display().to_string(),
                },
            )),
            None => _ = ids.insert(id, file),
        }
        let Some(event) = read.workflow.trigger.app_event() else {
            continue;
        };
        // An event file that did not read would make every trigger of its event look undeclared.
        if every_event_read && !names.contains_key(event) {
            let problem = Problem::UndeclaredEvent(event.to_owned());
            errors.push(DeployError::at(file, read.trigger_pos, problem));
        }
    }
}

/// Notification types are unique, and every `notify:` step's type is declared (unless a
/// declaration failed to read: it would make its type look undeclared).
fn check_notifications(
    notifications: &[(PathBuf, notification::Read)],
    workflows: &[(PathBuf, workflow::Read)],
    every_notification_read: bool,
    errors: &mut Vec<DeployError>,
) {
    let mut names: HashMap<&str, &Path> = HashMap::new();
    for (file, read) in notifications {
        let name = read.notification.name.as_str();
        match names.get(name) {
            Some(first) => errors.push(DeployError::at(
                file,
                read.type_pos,
                Problem::DuplicateNotification {
                    name: name.to_owned(),
                    first: first.display().to_string(),
                },
            )),
            None => _ = names.insert(name, file),
        }
    }
    if !every_notification_read {
        return;
    }
    for (file, read) in workflows {
        for (kind, pos) in &read.notify_types {
            if !names.contains_key(kind.as_str()) && notification::check_type(kind).is_ok() {
                let problem = Problem::UndeclaredNotification(kind.clone());
                errors.push(DeployError::at(file, *pos, problem));
            }
        }
    }
}

/// Reads one file with `read`, moving its problems into `errors`.
fn read_file<T>(
    file: &Path,
    text: Result<String, Problem>,
    read: impl FnOnce(&Node, &mut Report) -> Option<T>,
    errors: &mut Vec<DeployError>,
) -> Option<T> {
    let mut report = Report::new(file);
    let value = match text {
        Err(problem) => {
            report.errors.push(DeployError::whole(file, problem));
            None
        }
        Ok(text) => document(&text, &mut report).and_then(|root| read(&root, &mut report)),
    };
    errors.append(&mut report.errors);
    value
}

/// The file's one YAML document, or the reasons there is none. Provider definitions are read
/// with it too.
pub(crate) fn document(text: &str, report: &mut impl Reporter) -> Option<Node> {
    let parsed = match yaml::parse(text) {
        Ok(parsed) => parsed,
        Err((pos, problem)) => {
            report.problem(pos, problem);
            return None;
        }
    };
    for (pos, problem) in parsed.problems {
        report.problem(pos, problem);
    }
    if parsed.root.is_none() {
        report.problem(Pos::START, Problem::Empty);
    }
    parsed.root
}

/// The YAML files of `dir/sub`, in name order, as (path relative to `dir`, text). A missing
/// folder has none; an unreadable one is reported.
fn read_files(
    dir: &Path,
    sub: &str,
    errors: &mut Vec<DeployError>,
) -> Vec<(PathBuf, Result<String, Problem>)> {
    let folder = dir.join(sub);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(DeployError::whole(
                Path::new(sub),
                Problem::Read(e.to_string()),
            ));
            return Vec::new();
        }
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .filter(|name| {
            let extension = Path::new(name).extension().and_then(|e| e.to_str());
            matches!(extension, Some("yaml" | "yml")) && folder.join(name).is_file()
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| (Path::new(sub).join(&name), read_text(&folder.join(&name))))
        .collect()
}

fn read_text(path: &Path) -> Result<String, Problem> {
    let read = |e: io::Error| Problem::Read(e.to_string());
    let len = fs::metadata(path).map_err(read)?.len();
    if len > MAX_FILE_BYTES as u64 {
        return Err(Problem::TooLarge(MAX_FILE_BYTES));
    }
    String::from_utf8(fs::read(path).map_err(read)?)
        .map_err(|_| Problem::Read("the file is not UTF-8 text".into()))
}
