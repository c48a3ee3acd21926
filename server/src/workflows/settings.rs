//! User settings: what the Connect Portal asks each end user (Paragon's "Integration User
//! Settings" and "Workflow User Settings"), stored per user and read by workflows as
//! `{{settings.<id>}}`. Declared in the deploy directory, in `integrations/<type>.yaml` (shared
//! by the integration's workflows) or in a workflow's `settings:` (its own); docs/workflows.md
//! has the syntax.
//!
//! Here: the definitions, reading them from YAML with every problem at its line, and checking
//! a value a user sends against its definition.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    error::Problem,
    fields::{self, Fields, Report},
    integration::IntegrationType,
    model::SettingId,
    yaml::{Node, Value as Yaml},
};

const SETTING_KEYS: &[&str] = &[
    "id", "title", "type", "required", "default", "tooltip", "options", "source", "object",
    "fields",
];
const CHOICE_KEYS: &[&str] = &["value", "label"];
/// The longest text value a user may save (the portal's inputs are one line).
pub const MAX_TEXT_CHARS: usize = 1_000;

/// One setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Unique among the settings a workflow reads (its own and its integration's).
    pub id: SettingId,
    /// The label the portal shows.
    pub title: String,
    /// A hint under the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Whether the user must fill it in before turning the workflow on (integration-level: any
    /// of its workflows).
    #[serde(default)]
    pub required: bool,
    /// What a user who did not choose gets; checked against the input at deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// What kind of value, and where the choices come from.
    #[serde(flatten)]
    pub input: Input,
}

/// The kind of a setting's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// One line of text.
    Text,
    /// A number.
    Number,
    /// On or off.
    Boolean,
    /// One of the choices written in the definition.
    Dropdown {
        /// The choices, in order.
        options: Vec<Choice>,
    },
    /// One of the choices the provider lists for the user's account.
    DynamicDropdown {
        /// Where they come from.
        source: Source,
    },
    /// For each of the app's fields, the provider's property the user sends it to: an object
    /// of field id to property name. An `action` step applies it (`field_mapping:`).
    FieldMapping {
        /// The provider's object whose properties the fields go to.
        object: MappedObject,
        /// The app's fields, in order: `value` is the field's key in the data mapped, `label`
        /// what the portal shows.
        fields: Vec<Choice>,
    },
}

/// The provider's objects a field mapping sends to (HubSpot's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedObject {
    /// Contacts: the properties are listed by `GET /crm/v3/properties/contacts`.
    Contacts,
}

impl MappedObject {
    /// Where the portal lists the object's properties.
    pub fn source(self) -> Source {
        match self {
            Self::Contacts => Source::ContactProperties,
        }
    }
}

/// A choice of a dropdown: the value saved and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What the setting holds when chosen.
    pub value: String,
    /// What the portal shows.
    pub label: String,
}

/// The lists of the provider a dynamic dropdown offers (HubSpot's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The account's owners (`GET /crm/v3/owners`): the value is the owner's id.
    Owners,
    /// The account's deal pipelines (`GET /crm/v3/pipelines/deals`): the value is the
    /// pipeline's id.
    Pipelines,
    /// The account's contact properties that can be written (`GET
    /// /crm/v3/properties/contacts`): the value is the property's name.
    ContactProperties,
}

impl Source {
    /// Every source, as written.
    pub const NAMES: &[&str] = &["owners", "pipelines", "contact_properties"];

    /// The source named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "owners" => Some(Self::Owners),
            "pipelines" => Some(Self::Pipelines),
            "contact_properties" => Some(Self::ContactProperties),
            _ => None,
        }
    }

    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owners => "owners",
            Self::Pipelines => "pipelines",
            Self::ContactProperties => "contact_properties",
        }
    }
}

/// The types a definition may name, as written.
const TYPES: &[&str] = &[
    "text",
    "number",
    "boolean",
    "dropdown",
    "dynamic_dropdown",
    "field_mapping",
];

impl Setting {
    /// Whether `value` is one this setting can hold; `Err` says why not, for the user.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let title = &self.title;
        match (&self.input, value) {
            (Input::Text, Value::String(text)) if text.chars().count() <= MAX_TEXT_CHARS => Ok(()),
            (Input::Text, Value::String(_)) => Err(format!(
                "“{title}” is longer than {MAX_TEXT_CHARS} characters"
            )),
            (Input::Number, Value::Number(_)) | (Input::Boolean, Value::Bool(_)) => Ok(()),
            (Input::Dropdown { options }, Value::String(chosen)) => {
                if options.iter().any(|o| o.value == *chosen) {
                    Ok(())
                } else {
                    Err(format!("“{chosen}” is not one of the choices of “{title}”"))
                }
            }
            (Input::DynamicDropdown { .. }, Value::String(chosen))
                if !chosen.is_empty() && chosen.len() <= 256 =>
            {
                Ok(())
            }
            (Input::FieldMapping { fields, .. }, Value::Object(mapping)) => {
                for (field, property) in mapping {
                    let Some(field) = fields.iter().find(|f| f.value == *field) else {
                        return Err(format!("“{title}” has no field `{field}`"));
                    };
                    let named = property.as_str().is_some_and(is_property_name);
                    if !named && !property.is_null() {
                        return Err(format!(
                            "“{title}”: {} must be sent to a property, by its name",
                            field.label
                        ));
                    }
                }
                Ok(())
            }
            (input, _) => Err(format!("“{title}” takes {}", input.expected())),
        }
    }
}

impl Input {
    /// What a value of this input is, for messages.
    fn expected(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "a number",
            Self::Boolean => "true or false",
            Self::Dropdown { .. } => "one of its choices",
            Self::DynamicDropdown { .. } => "one of the choices listed for the account",
            Self::FieldMapping { .. } => "an object of fields to property names",
        }
    }
}

/// A property's internal name as the provider writes them: a lowercase letter, then lowercase
/// letters, digits or `_`, at most 100 characters.
fn is_property_name(name: &str) -> bool {
    name.len() <= 100
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A `settings:` list of `integration` (`None` when it is not known: its checks are skipped);
/// every problem reported. `shared` are the ids of the integration's settings, which a
/// workflow's own may not repeat (both read as `settings.<id>`).
pub(crate) fn read_list(
    node: &Node,
    shared: &[SettingId],
    integration: Option<IntegrationType>,
    report: &mut Report,
) -> Option<Vec<Setting>> {
    let Yaml::Seq(items) = &node.value else {
        let (key, expected) = ("settings", "a list of settings");
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    };
    let mut settings: Vec<Setting> = Vec::with_capacity(items.len());
    let mut complete = true;
    for item in items {
        match read(item, integration, report) {
            Some(setting) => {
                if settings.iter().any(|s| s.id == setting.id) {
                    report.at(item.pos, Problem::DuplicateSetting(setting.id.to_string()));
                    complete = false;
                } else if shared.contains(&setting.id) {
                    report.at(
                        item.pos,
                        Problem::SettingShadowsShared(setting.id.to_string()),
                    );
                    complete = false;
                }
                settings.push(setting);
            }
            None => complete = false,
        }
    }
    complete.then_some(settings)
}

fn read(node: &Node, integration: Option<IntegrationType>, report: &mut Report) -> Option<Setting> {
    let fields = Fields::read(node, "a setting", SETTING_KEYS, report)?;
    let id = fields.text("id", report).and_then(|(id, pos)| {
        let parsed = SettingId::parse(&id);
        if parsed.is_none() {
            let (what, alphabet) = ("setting", SettingId::ALPHABET);
            report.at(pos, Problem::InvalidId { what, id, alphabet });
        }
        parsed
    });
    let title = fields.text("title", report).map(|(t, _)| t);
    let tooltip = match fields.optional("tooltip") {
        None => Some(None),
        Some(node) => fields::text(node, "tooltip", report).map(|(t, _)| Some(t)),
    };
    let required = match fields.optional("required") {
        None => Some(false),
        Some(node) => fields::boolean(node, "required", report),
    };
    let input = fields
        .text("type", report)
        .and_then(|(name, pos)| read_input(&name, pos, &fields, integration, report));
    // Keys that belong to another type are mistakes, not options.
    if let Some(input) = &input {
        let allowed: &[&str] = match input {
            Input::Dropdown { .. } => &["options"],
            Input::DynamicDropdown { .. } => &["source"],
            Input::FieldMapping { .. } => &["object", "fields"],
            _ => &[],
        };
        for key in ["options", "source", "object", "fields"] {
            if let Some(node) = fields.optional(key).filter(|_| !allowed.contains(&key)) {
                report.at(node.pos, Problem::SettingKeyNotForType(key));
            }
        }
    }
    let setting = Setting {
        id: id?,
        title: title?,
        tooltip: tooltip?,
        required: required?,
        default: None,
        input: input?,
    };
    let default = match fields.optional("default") {
        None => None,
        Some(node) => {
            let value = node.to_json();
            if let Err(why) = setting.check(&value) {
                report.at(node.pos, Problem::BadSettingDefault(why));
                return None;
            }
            if matches!(setting.input, Input::DynamicDropdown { .. }) {
                // Its choices are the user's account's: none is known at deploy.
                report.at(node.pos, Problem::BadSettingDefault(
                    "a dynamic dropdown has no default: its choices depend on the user's account".into(),
                ));
                return None;
            }
            Some(value)
        }
    };
    Some(Setting { default, ..setting })
}

impl Setting {
    /// Whether a user must fill it in: required, and no default fills it for them.
    pub fn needs_a_value(&self) -> bool {
        self.required && self.default.is_none()
    }
}

fn read_input(
    name: &str,
    pos: super::yaml::Pos,
    fields: &Fields<'_>,
    integration: Option<IntegrationType>,
    report: &mut Report,
) -> Option<Input> {
    // Every source and mapped object so far is HubSpot's: another integration's user would be
    // shown HubSpot's lists, read from its own API where they are not.
    if let Some(other) = integration.filter(|i| *i != IntegrationType::HUBSPOT) {
        let hubspot_only = ["dynamic_dropdown", "field_mapping"]
            .into_iter()
            .find(|kind| *kind == name);
        if let Some(kind) = hubspot_only {
            let integration = other.to_string();
            report.at(pos, Problem::HubSpotOnlySetting { kind, integration });
            return None;
        }
    }
    match name {
        "text" => Some(Input::Text),
        "number" => Some(Input::Number),
        "boolean" => Some(Input::Boolean),
        "dropdown" => {
            let node = fields.required("options", report)?;
            read_choices(node, "options", CHOICE_KEYS, report)
                .map(|options| Input::Dropdown { options })
        }
        "dynamic_dropdown" => {
            let (source, pos) = fields.text("source", report)?;
            match Source::parse(&source) {
                Some(source) => Some(Input::DynamicDropdown { source }),
                None => {
                    let known = Source::NAMES;
                    report.at(
                        pos,
                        Problem::UnknownSource {
                            name: source,
                            known,
                        },
                    );
                    None
                }
            }
        }
        "field_mapping" => {
            let (object, pos) = fields.text("object", report)?;
            let object = match object.as_str() {
                "contacts" => MappedObject::Contacts,
                _ => {
                    report.at(pos, Problem::UnknownMappedObject(object));
                    return None;
                }
            };
            let node = fields.required("fields", report)?;
            read_choices(node, "fields", &["id", "label"], report)
                .map(|fields| Input::FieldMapping { object, fields })
        }
        other => {
            let known = TYPES;
            report.at(
                pos,
                Problem::UnknownSettingType {
                    name: other.to_owned(),
                    known,
                },
            );
            None
        }
    }
}

/// A dropdown's `options` (`{value, label}`) or a field mapping's `fields` (`{id, label}`):
/// mappings with those two `keys`, or bare values that are their own label.
fn read_choices(
    node: &Node,
    key: &'static str,
    keys: &'static [&'static str],
    report: &mut Report,
) -> Option<Vec<Choice>> {
    let Yaml::Seq(items) = &node.value else {
        let expected = "a list";
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    };
    if items.is_empty() {
        let expected = "a list of at least one entry";
        report.at(node.pos, Problem::WrongType { key, expected });
        return None;
    }
    let mut choices = Vec::with_capacity(items.len());
    for item in items {
        let choice = match &item.value {
            Yaml::Map(_) => {
                let fields = Fields::read(item, "an entry", keys, report)?;
                let (value, _) = fields.text(keys[0], report)?;
                let label = match fields.optional("label") {
                    None => value.clone(),
                    Some(node) => fields::text(node, "label", report)?.0,
                };
                Choice { value, label }
            }
            _ => {
                let (value, _) = fields::text(item, key, report)?;
                Choice {
                    label: value.clone(),
                    value,
                }
            }
        };
        if choices.iter().any(|c: &Choice| c.value == choice.value) {
            report.at(item.pos, Problem::DuplicateChoice(choice.value));
            return None;
        }
        choices.push(choice);
    }
    Some(choices)
}
