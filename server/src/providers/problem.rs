//! What is wrong with a provider definition, and where: every problem of every file, each with
//! its file, line and column, printed like a compiler's diagnostics.

use std::fmt;

use crate::workflows::{Problem, yaml::Pos};

/// What is wrong. The YAML and key problems are the ones a deploy reports, in the same words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // each variant's `#[error]` text is its documentation
pub enum ProviderProblem {
    #[error(transparent)]
    Shape(#[from] Problem),
    #[error(
        "invalid name `{0}`: use 1 to 64 lowercase letters, digits and hyphens, starting with a letter"
    )]
    InvalidName(String),
    #[error("the name `{name}` must be the file's name: this file is {file}")]
    NameNotFile { name: String, file: String },
    #[error("duplicate provider `{name}` (first defined in {first})")]
    DuplicateName { name: String, first: String },
    #[error("unknown category `{0}` (expected one of: {categories})", categories = super::CATEGORIES.join(", "))]
    UnknownCategory(String),
    #[error("`{key}` must be one of: {}; not `{value}`", .allowed.join(", "))]
    NotOneOf {
        key: &'static str,
        value: String,
        allowed: &'static [&'static str],
    },
    #[error("`{key}` does not apply to `mode: {mode}`")]
    KeyNotForMode {
        key: &'static str,
        mode: &'static str,
    },
    #[error("`{key}` must be an https URL, not `{url}`")]
    NotHttps { key: &'static str, url: String },
    #[error("`{key}` is not a usable URL ({reason}): `{url}`")]
    BadUrl {
        key: &'static str,
        url: String,
        reason: String,
    },
    #[error("`{key}`: unclosed `{{{{` in `{text}`")]
    Unclosed { key: &'static str, text: String },
    #[error("`{key}`: unknown placeholder `{{{{{name}}}}}`: {key} may use {allowed}")]
    UnknownPlaceholder {
        key: &'static str,
        name: String,
        allowed: &'static str,
    },
    #[error(
        "`{key}`: `{{{{connection.{id}}}}}` names nothing: declare a field `{id}` (with a `format` if it goes into a host), a `token_fields` entry or a `callback_params` entry"
    )]
    UndeclaredConnection { key: &'static str, id: String },
    #[error("`{key}`: `{{{{credential.{id}}}}}` names no field: declare `{id}` under `fields`")]
    UndeclaredCredential { key: &'static str, id: String },
    #[error(
        "`{key}`: `{id}` is a secret field, and secrets never go into URLs (send it with `{{{{credential.{id}}}}}`)"
    )]
    SecretInUrl { key: &'static str, id: String },
    #[error(
        "`{key}`: the field `{id}` goes into the URL's host, so it needs `format: label` or `format: hostname`"
    )]
    HostFieldWithoutFormat { key: &'static str, id: String },
    #[error(
        "invalid field id `{0}`: use lowercase letters, digits and `_`, starting with a letter"
    )]
    InvalidFieldId(String),
    #[error("duplicate field `{0}`")]
    DuplicateField(String),
    #[error("a secret field cannot have a `format`: secrets never go into URLs")]
    SecretWithFormat,
    #[error("`mode: {0}` needs at least one field with `secret: true` (the key or password)")]
    NoSecretField(&'static str),
    #[error("`send` takes exactly one of `header` or `query`")]
    SendPlace,
    #[error("`{key}` must be a whole number from 1 to {max}, not `{value}`")]
    OutOfRange {
        key: &'static str,
        value: String,
        max: u32,
    },
    #[error("`unverified` names `{0}`, which is not a key of this section")]
    UnverifiedNotAKey(String),
    #[error("invalid icon `{0}`: write `icons/<name>.svg`, a file under providers/icons/")]
    BadIcon(String),
    #[error("`{0}` must be a path under the API base, starting with `/`")]
    NotAPath(&'static str),
    #[error("the account call takes exactly one of `path`, `url` or `introspect`")]
    AccountTarget,
    #[error("an `introspect` account call is a POST (RFC 7662)")]
    IntrospectMethod,
    #[error("duplicate scope `{0}`")]
    DuplicateScope(String),
    #[error("scope `{scope}` contains the separator `{separator}`")]
    ScopeHasSeparator { scope: String, separator: String },
}

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// The file, as the repository names it (`providers/hubspot.yaml`).
    pub file: String,
    /// The line of the value at fault, from 1.
    pub line: usize,
    /// Its column, from 1.
    pub column: usize,
    /// What is wrong.
    pub problem: ProviderProblem,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.problem
        )
    }
}

/// Every problem of a set of definitions, sorted by file and place; never empty when returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProviderErrors(pub Vec<ProviderError>);

impl fmt::Display for ProviderErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// The problems of one file so far.
#[derive(Debug)]
pub(crate) struct FileReport {
    file: String,
    pub errors: Vec<ProviderError>,
}

impl FileReport {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            errors: Vec::new(),
        }
    }

    pub fn at(&mut self, pos: Pos, problem: impl Into<ProviderProblem>) {
        self.errors.push(ProviderError {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            problem: problem.into(),
        });
    }
}

/// The workflow readers' shape checks (unknown keys, wrong types) report into a provider's file.
impl crate::workflows::fields::Reporter for FileReport {
    fn problem(&mut self, pos: Pos, problem: Problem) {
        self.at(pos, problem);
    }
}
