//! The shipped definitions (the acceptance test) and each kind of broken definition.

mod broken;
mod shipped;
