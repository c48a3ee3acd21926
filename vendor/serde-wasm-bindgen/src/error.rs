use wasm_bindgen::prelude::*;

/// A newtype that represents Serde errors as JavaScript exceptions.
#[derive(Debug)]
pub struct Error(JsValue);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        #[wasm_bindgen]
        extern "C" {
            #[wasm_bindgen(js_name = String)]
            pub fn to_string(value: &JsValue) -> String;
        }

        to_string(&self.0).fmt(f)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Creates a JavaScript `Error` with a given message.
    pub fn new<T: std::fmt::Display>(msg: T) -> Self {
        Error(JsError::new(&msg.to_string()).into())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }
}

// PATCHED (paragon-connect): serde's default messages print the offending value through
// `Unexpected`'s `Display`, which links Rust's float printing and `str`'s `Debug` (with the
// Unicode tables) into every wasm that deserializes anything: about 19 KB gzipped. These name
// the kind of value only, which is also all a message should say of data it could not read.
impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }

    fn invalid_type(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Error::mismatch("invalid type: ", kind(&unexp), exp)
    }

    fn invalid_value(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Error::mismatch("invalid value: ", kind(&unexp), exp)
    }

    fn invalid_length(_len: usize, exp: &dyn serde::de::Expected) -> Self {
        Error::mismatch("invalid length: ", "a sequence", exp)
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::text(&["unknown variant `", variant, "`, expected one of ", &expected.join(", ")].concat())
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::text(&["unknown field `", field, "`, expected one of ", &expected.join(", ")].concat())
    }

    fn missing_field(field: &'static str) -> Self {
        Error::text(&["missing field `", field, "`"].concat())
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::text(&["duplicate field `", field, "`"].concat())
    }
}

impl Error {
    /// A JavaScript `Error` with this message, without `core::fmt`.
    pub(crate) fn text(msg: &str) -> Self {
        Error(JsError::new(msg).into())
    }

    /// `{what}{found}, expected {exp}`.
    pub(crate) fn mismatch(what: &str, found: &str, exp: &dyn serde::de::Expected) -> Self {
        Error::text(&[what, found, ", expected ", &exp.to_string()].concat())
    }
}

/// What kind of value `unexp` is, without the value.
fn kind(unexp: &serde::de::Unexpected) -> &'static str {
    use serde::de::Unexpected::*;
    match unexp {
        Bool(_) => "a boolean",
        Unsigned(_) | Signed(_) | Float(_) => "a number",
        Char(_) | Str(_) => "a string",
        Bytes(_) => "bytes",
        Unit | Option => "null",
        Seq => "an array",
        Map => "an object",
        _ => "another kind of value",
    }
}

/// This conversion is needed for `?` to just work when using wasm-bindgen
/// imports that return JavaScript exceptions as `Result<T, JsValue>`.
impl From<JsValue> for Error {
    fn from(error: JsValue) -> Error {
        Error(error)
    }
}

// This conversion is needed for `?` to just work in wasm-bindgen exports
// that return `Result<T, JsValue>` to throw JavaScript exceptions.
impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        error.0
    }
}
