//! HTTP paths served by `paragon serve`, shared so that the SDK and the server cannot drift.

/// Liveness probe: answers [`crate::Health`] as long as the process serves HTTP.
pub const HEALTHZ: &str = "/healthz";

/// The prefixes of the SDK API: `/projects/{pid}/sdk/…` and Paragon's `/v2/projects/{pid}/sdk/…`.
pub const SDK_PREFIXES: [&str; 2] = ["/projects/", "/v2/projects/"];

/// The project id of an SDK API path, or `None` for any other path.
pub fn sdk_project_id(path: &str) -> Option<&str> {
    let rest = SDK_PREFIXES
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))?;
    let (pid, tail) = rest.split_once('/')?;
    (tail == "sdk" || tail.starts_with("sdk/")).then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::sdk_project_id;

    #[test]
    fn sdk_paths_name_their_project() {
        assert_eq!(sdk_project_id("/projects/p1/sdk/me"), Some("p1"));
        assert_eq!(
            sdk_project_id("/v2/projects/p1/sdk/events/trigger"),
            Some("p1")
        );
        assert_eq!(sdk_project_id("/projects/p1/keys"), None);
        assert_eq!(sdk_project_id("/projects/p1/sdkx"), None);
        assert_eq!(sdk_project_id("/healthz"), None);
    }
}
