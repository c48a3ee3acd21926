//! Loading a set of definitions: each file read on its own, then the checks across files (a
//! name is its file's name and is used once). Every problem of every file is collected.

use std::collections::HashMap;

use super::{
    definition::Provider,
    problem::{FileReport, ProviderError, ProviderErrors, ProviderProblem},
    read,
};
use crate::workflows::load::document;

/// Reads and checks definitions given as (file, text), the file named as in the repository
/// (`providers/hubspot.yaml`). The providers come back in the order given.
pub fn load(files: &[(&str, &str)]) -> Result<Vec<Provider>, ProviderErrors> {
    let mut errors: Vec<ProviderError> = Vec::new();
    let mut providers = Vec::new();
    let mut first_file: HashMap<String, &str> = HashMap::new();
    for (file, text) in files {
        let mut report = FileReport::new(file);
        let read = document(text, &mut report).and_then(|root| read::read(&root, &mut report));
        if let Some(read) = read {
            let stem = file
                .rsplit('/')
                .next()
                .and_then(|f| f.strip_suffix(".yaml"));
            if stem != Some(read.provider.name.as_str()) {
                let problem = ProviderProblem::NameNotFile {
                    name: read.provider.name.clone(),
                    file: (*file).to_owned(),
                };
                report.at(read.name_pos, problem);
            }
            match first_file.get(&read.provider.name) {
                Some(first) => report.at(
                    read.name_pos,
                    ProviderProblem::DuplicateName {
                        name: read.provider.name.clone(),
                        first: (*first).to_owned(),
                    },
                ),
                None => _ = first_file.insert(read.provider.name.clone(), file),
            }
            providers.push(read.provider);
        }
        errors.append(&mut report.errors);
    }
    if errors.is_empty() {
        return Ok(providers);
    }
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Err(ProviderErrors(errors))
}
