//! The demo's deploy directory. `paragon deploy` takes one folder and the demo deploys two
//! guides, HubSpot's and Salesforce's, so their files are copied into one folder under the
//! demo's state, made anew on each start.
//!
//! Both guides declare the App Event "Contact Created" in `events/contact-created.yaml`, each
//! file with its own comment. A path that two guides hold is copied once when the files mean
//! the same YAML (comments, quotes and layout aside), and refused when they do not: keeping
//! either would silently change the other guide's workflows. Workflows are the exception: a
//! workflow is known by its `id`, not by its file's name, so a workflow whose file name is
//! taken by a different one is copied under its guide's name. Two workflows with one `id`
//! are still refused, by `paragon deploy`. A notification type (`notifications/`) is known by
//! its `type`, which the workflows' `notify:` steps name, so it follows the events' rule: one
//! path, one meaning.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

/// The folders whose YAML files `paragon deploy` reads (docs/workflows.md), besides
/// `appearance.yaml` at the root. Nothing else of a guide is copied.
const FOLDERS: [&str; 4] = ["events", "integrations", "notifications", "workflows"];
const APPEARANCE: &str = "appearance.yaml";

/// Empties `out` and fills it with the files of `guides`, in order. Answers one note per file
/// that was merged or renamed, for the demo's printed line; refuses with every conflict.
pub fn assemble(guides: &[PathBuf], out: &Path) -> Result<Vec<String>, String> {
    if out.exists() {
        fs::remove_dir_all(out).map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    for folder in FOLDERS {
        fs::create_dir_all(out.join(folder))
            .map_err(|e| format!("cannot create {}: {e}", out.join(folder).display()))?;
    }
    // Which guide each copied path came from, to name both files of a conflict.
    let mut origin: HashMap<PathBuf, String> = HashMap::new();
    let (mut notes, mut conflicts) = (Vec::new(), Vec::new());
    for guide in guides {
        let name = guide_name(guide);
        for relative in deployed_files(guide)? {
            let text = read(&guide.join(&relative))?;
            let (target, earlier) = (out.join(&relative), origin.get(&relative));
            let Some(earlier) = earlier else {
                write(&target, &text)?;
                origin.insert(relative, name.clone());
                continue;
            };
            let shown = relative.display();
            if same_meaning(&read(&target)?, &text) {
                notes.push(format!("{shown} of {earlier} and {name} kept once"));
            } else if relative.starts_with("workflows") {
                let file = relative.file_name().unwrap_or_default().to_string_lossy();
                let renamed = PathBuf::from("workflows").join(format!("{name}-{file}"));
                if origin.contains_key(&renamed) {
                    conflicts.push(format!(
                        "{name}/{shown}: {} is taken too",
                        renamed.display()
                    ));
                    continue;
                }
                write(&out.join(&renamed), &text)?;
                notes.push(format!("{name}'s {shown} copied as {}", renamed.display()));
                origin.insert(renamed, name.clone());
            } else {
                conflicts.push(format!(
                    "{earlier}/{shown} and {name}/{shown} differ: the demo deploys one folder, \
                     which can hold only one of them; make them the same, or rename one \
                     (and what refers to it)"
                ));
            }
        }
    }
    if conflicts.is_empty() {
        Ok(notes)
    } else {
        Err(format!(
            "cannot put the guides into one deploy directory:\n  {}",
            conflicts.join("\n  ")
        ))
    }
}

/// `examples/hubspot-guide` → `hubspot-guide`.
fn guide_name(guide: &Path) -> String {
    guide
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| guide.display().to_string())
}

/// The paths, relative to `guide`, of the files `paragon deploy` would read there, sorted.
fn deployed_files(guide: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    if guide.join(APPEARANCE).is_file() {
        files.push(PathBuf::from(APPEARANCE));
    }
    for folder in FOLDERS {
        let Ok(entries) = fs::read_dir(guide.join(folder)) else {
            continue; // a guide need not have every folder
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| Path::new(folder).join(n)));
    }
    if files.is_empty() {
        return Err(format!("{} has no file to deploy", guide.display()));
    }
    Ok(files)
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Whether two YAML files say the same: the same parser events, whatever their comments,
/// indentation or flow style. A file that does not parse is the same only as itself (and
/// `paragon deploy` says what is wrong with it).
fn same_meaning(a: &str, b: &str) -> bool {
    a == b || matches!((meaning(a), meaning(b)), (Some(a), Some(b)) if a == b)
}

/// One event of a YAML file without its place in the file.
#[derive(Debug, PartialEq)]
enum Piece {
    Document,
    Alias(usize),
    Scalar {
        text: String,
        /// Only a plain scalar can be a number, a boolean or null (the YAML 1.2 core
        /// schema): `'12'` and `"12"` are the same text, `12` is not.
        plain: bool,
        anchor: usize,
        tag: Option<Tag>,
    },
    SequenceStart(usize, Option<Tag>),
    SequenceEnd,
    MappingStart(usize, Option<Tag>),
    MappingEnd,
}

fn meaning(text: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    for next in Parser::new_from_str(text) {
        let (event, _place) = next.ok()?;
        pieces.push(match event {
            Event::DocumentStart(_) => Piece::Document,
            Event::Alias(id) => Piece::Alias(id),
            Event::Scalar(text, style, anchor, tag) => Piece::Scalar {
                text: text.into_owned(),
                plain: style == ScalarStyle::Plain,
                anchor,
                tag: tag.map(|t| t.into_owned()),
            },
            Event::SequenceStart(anchor, tag) => {
                Piece::SequenceStart(anchor, tag.map(|t| t.into_owned()))
            }
            Event::SequenceEnd => Piece::SequenceEnd,
            Event::MappingStart(anchor, tag) => {
                Piece::MappingStart(anchor, tag.map(|t| t.into_owned()))
            }
            Event::MappingEnd => Piece::MappingEnd,
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {
                continue;
            }
        });
    }
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the system's temporary folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("xtask-deploy-dir-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            Self(dir)
        }

        fn guide(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
            let guide = self.0.join(name);
            for (path, text) in files {
                let file = guide.join(path);
                fs::create_dir_all(file.parent().expect("a file in a folder")).expect("mkdir");
                fs::write(file, text).expect("write");
            }
            guide
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const EVENT: &str = "# HubSpot's\nname: Contact Created\nexample:\n  phone: \"+44 20\"\n";

    #[test]
    fn an_event_both_guides_declare_alike_is_copied_once() {
        let scratch = Scratch::new("alike");
        let other =
            "# Salesforce's, the same event\nname: Contact Created\nexample: { phone: '+44 20' }\n";
        let guides = [
            scratch.guide("a-guide", &[("events/contact-created.yaml", EVENT)]),
            scratch.guide("b-guide", &[("events/contact-created.yaml", other)]),
        ];
        let out = scratch.0.join("out");

        let notes = assemble(&guides, &out).expect("assembled");

        assert_eq!(
            notes,
            ["events/contact-created.yaml of a-guide and b-guide kept once"]
        );
        let kept = fs::read_to_string(out.join("events/contact-created.yaml")).expect("kept");
        assert_eq!(kept, EVENT, "the first guide's file");
    }

    #[test]
    fn an_event_the_guides_declare_differently_is_refused_naming_both_files() {
        let scratch = Scratch::new("differ");
        // `12` is a number where the first guide's example has text: a difference that matters.
        let other = "name: Contact Created\nexample:\n  phone: 12\n";
        let guides = [
            scratch.guide("a-guide", &[("events/contact-created.yaml", EVENT)]),
            scratch.guide("b-guide", &[("events/contact-created.yaml", other)]),
        ];

        let refused = assemble(&guides, &scratch.0.join("out")).expect_err("refused");

        assert!(
            refused.contains(
                "a-guide/events/contact-created.yaml and b-guide/events/contact-created.yaml differ"
            ),
            "{refused}"
        );
    }

    #[test]
    fn a_workflow_whose_file_name_is_taken_is_copied_under_its_guides_name() {
        let scratch = Scratch::new("rename");
        let guides = [
            scratch.guide("a-guide", &[("workflows/sync.yaml", "id: sync-a\n")]),
            scratch.guide("b-guide", &[("workflows/sync.yaml", "id: sync-b\n")]),
        ];
        let out = scratch.0.join("out");

        let notes = assemble(&guides, &out).expect("assembled");

        assert_eq!(
            notes,
            ["b-guide's workflows/sync.yaml copied as workflows/b-guide-sync.yaml"]
        );
        let read = |p: &str| fs::read_to_string(out.join(p)).expect("copied");
        assert_eq!(read("workflows/sync.yaml"), "id: sync-a\n");
        assert_eq!(read("workflows/b-guide-sync.yaml"), "id: sync-b\n");
    }

    #[test]
    fn a_notification_type_the_guides_declare_differently_is_refused() {
        let scratch = Scratch::new("notifications");
        let path = "notifications/contact-changed.yaml";
        let guides = [
            scratch.guide("a-guide", &[(path, "type: contact.changed\n")]),
            scratch.guide("b-guide", &[(path, "type: contact.updated\n")]),
        ];

        let refused = assemble(&guides, &scratch.0.join("out")).expect_err("refused");

        assert!(
            refused.contains(&format!("a-guide/{path} and b-guide/{path} differ")),
            "{refused}"
        );
    }

    #[test]
    fn the_shipped_guides_go_into_one_folder() {
        let scratch = Scratch::new("shipped");
        let examples = crate::project::root().join("examples");
        let guides = [
            examples.join("hubspot-guide"),
            examples.join("salesforce-guide"),
            examples.join("hubspot-two-way"),
        ];

        let notes = assemble(&guides, &scratch.0).expect("assembled");

        let declared = scratch.0.join("notifications/contact-changed.yaml");
        assert!(
            declared.is_file(),
            "the two-way example's notification types are copied"
        );
        assert_eq!(
            notes,
            [
                "events/contact-created.yaml of hubspot-guide and salesforce-guide kept once",
                "salesforce-guide's workflows/sync-contact.yaml copied as \
                 workflows/salesforce-guide-sync-contact.yaml",
            ]
        );
    }
}
