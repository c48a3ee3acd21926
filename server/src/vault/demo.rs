//! Demo mode's master key: a key file in the data folder, created on first use, so that a local
//! demo starts without `PARAGON_MASTER_KEY`. Never in production: the key then sits beside the
//! data it protects.

use std::path::Path;

use super::MasterKeys;
use crate::error::ServerError;

/// The key file's name in the data folder.
pub const DEMO_KEY_FILE: &str = "demo-master.key";

/// The keys of `data_dir`'s demo key file, which is created (mode 0600) if missing.
pub fn demo_keys(data_dir: &Path) -> Result<MasterKeys, ServerError> {
    let path = data_dir.join(DEMO_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(value) => MasterKeys::parse(&value)
            .map_err(|e| ServerError::Usage(format!("{}: {e}", path.display()))),
        Err(_) => {
            let encoded = MasterKeys::generate_encoded();
            std::fs::create_dir_all(data_dir)
                .map_err(|e| ServerError::Usage(format!("{}: {e}", data_dir.display())))?;
            crate::secret::write_new_secret_file(&path, &format!("k1:{encoded}\n"))?;
            tracing::warn!(path = %path.display(), "demo mode: generated a master key beside the data");
            MasterKeys::parse(&encoded).map_err(|e| ServerError::Usage(e.to_string()))
        }
    }
}
