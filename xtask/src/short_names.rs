//! Short names for the wasm's plumbing: the imports wasm-bindgen generates and its own exports.
//!
//! wasm-bindgen names each import after the JS function and a 16-hex-digit hash
//! (`__wbg_getItem_49556a3e59cfb688`) and its runtime exports after itself
//! (`__wbindgen_malloc`, `wasm_bindgen__convert__closures_____invoke__h…`). Each name is
//! written twice, in the wasm's import or export section and in the glue module, and the hashes
//! do not compress: the SDK's ~120 imports cost 2.5 KB of gzipped wasm and 1.6 KB of gzipped
//! glue. Nothing outside the pair reads these names (the package's API is the exports named
//! after its methods, which keep their names), so the build gives them short ones in both files
//! after wasm-opt and before terser.
//!
//! The wasm is rewritten section by section: only the names inside the import and export
//! sections change, every other byte is copied. The glue is rewritten token by token: each
//! long name is replaced where it stands as a whole identifier, and an import the glue does not
//! name makes the build fail rather than ship a module that cannot be instantiated.

/// The module wasm-bindgen's `--target web` glue provides the imports under.
pub const GLUE_MODULE: &str = "./paragon_connect_bg.js";

/// Export names that are wasm-bindgen's runtime, not the package's API (the closures' invoke
/// shims are `wasm_bindgen__convert__…` on stable, `wasm_bindgen_<crate hash>___convert__…` when
/// std is rebuilt).
const RUNTIME_EXPORTS: [&str; 3] = ["__wbindgen_", "__externref_", "wasm_bindgen_"];

const IMPORT_SECTION: u8 = 2;
const EXPORT_SECTION: u8 = 7;

/// Renames the imports of [`GLUE_MODULE`] and the runtime exports in `wasm` and in `glue`.
pub fn shorten(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String), String> {
    let mut renames = Vec::new();
    let mut out = Vec::with_capacity(wasm.len());
    let header = wasm.get(..8).ok_or("the wasm is shorter than its header")?;
    if header != b"\0asm\x01\0\0\0" {
        return Err("the file is not a version-1 wasm module".into());
    }
    out.extend_from_slice(header);
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut reader = Reader {
            bytes: wasm,
            at: at + 1,
        };
        let len = reader.u32()? as usize;
        let body_start = reader.at;
        let body = wasm
            .get(body_start..body_start + len)
            .ok_or("a section runs past the end of the wasm")?;
        let new_body = match id {
            IMPORT_SECTION => Some(rename_section(body, Section::Imports, &mut renames)?),
            EXPORT_SECTION => Some(rename_section(body, Section::Exports, &mut renames)?),
            _ => None,
        };
        match new_body {
            Some(new_body) => {
                out.push(id);
                write_u32(&mut out, new_body.len() as u32);
                out.extend_from_slice(&new_body);
            }
            None => out.extend_from_slice(&wasm[at..body_start + len]),
        }
        at = body_start + len;
    }
    let mut glue = glue.to_owned();
    for Rename {
        long,
        short,
        import,
    } in &renames
    {
        let (replaced, count) = replace_identifier(&glue, long, short);
        if count == 0 && *import {
            return Err(format!(
                "the glue does not name the wasm's import {long}: has wasm-bindgen's output changed?"
            ));
        }
        glue = replaced;
    }
    Ok((out, glue))
}

/// A name given to an import (which the glue must provide) or to an export (which the glue
/// may leave unused).
struct Rename {
    long: String,
    short: String,
    import: bool,
}

/// The import section or the export section.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Imports,
    Exports,
}

/// The section's entries, those of wasm-bindgen renamed: the imports of [`GLUE_MODULE`], the
/// exports of [`RUNTIME_EXPORTS`].
fn rename_section(
    body: &[u8],
    section: Section,
    renames: &mut Vec<Rename>,
) -> Result<Vec<u8>, String> {
    let mut reader = Reader { bytes: body, at: 0 };
    let count = reader.u32()?;
    let mut out = Vec::with_capacity(body.len());
    write_u32(&mut out, count);
    let mut next = 0;
    for _ in 0..count {
        let module = match section {
            Section::Imports => Some(reader.name()?),
            Section::Exports => None,
        };
        let name = reader.name()?;
        let descriptor_start = reader.at;
        match section {
            Section::Imports => reader.import_descriptor()?,
            Section::Exports => {
                reader.byte()?;
                reader.u32()?;
            }
        }
        let descriptor = &body[descriptor_start..reader.at];
        let renamed = match module {
            Some(module) => module == GLUE_MODULE,
            None => RUNTIME_EXPORTS
                .iter()
                .any(|prefix| name.starts_with(prefix)),
        };
        if let Some(module) = module {
            write_name(&mut out, module);
        }
        if renamed {
            // Exports get `__` first: the package's own exports are camelCase method names,
            // so the two kinds cannot meet.
            let prefix = if module.is_some() { "" } else { "__" };
            let short = short_name(next, prefix);
            next += 1;
            write_name(&mut out, &short);
            renames.push(Rename {
                long: name.to_owned(),
                short,
                import: module.is_some(),
            });
        } else {
            write_name(&mut out, name);
        }
        out.extend_from_slice(descriptor);
    }
    reader.end()?;
    Ok(out)
}

/// `a`, `b`, … `z`, `aa`, `ab`, …: the shortest names first, after `prefix`.
fn short_name(mut index: usize, prefix: &str) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    let mut name = prefix.to_owned();
    name.extend(letters.into_iter().map(char::from));
    name
}

/// Replaces `long` where it is a whole identifier (not part of a longer one) and says how often.
fn replace_identifier(text: &str, long: &str, short: &str) -> (String, usize) {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(found) = rest.find(long) {
        let before = rest[..found]
            .chars()
            .next_back()
            .or(out.chars().next_back());
        let after = rest[found + long.len()..].chars().next();
        out.push_str(&rest[..found]);
        if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
            out.push_str(long);
        } else {
            out.push_str(short);
            count += 1;
        }
        rest = &rest[found + long.len()..];
    }
    out.push_str(rest);
    (out, count)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or("the wasm ends inside a section")?;
        self.at += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 of at most 32 bits.
    fn u32(&mut self) -> Result<u32, String> {
        let mut value: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u32::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a LEB128 number longer than 32 bits".into())
    }

    fn name(&mut self) -> Result<&'a str, String> {
        let len = self.u32()? as usize;
        let bytes = self
            .bytes
            .get(self.at..self.at + len)
            .ok_or("a name runs past its section")?;
        self.at += len;
        std::str::from_utf8(bytes).map_err(|_| "a name that is not UTF-8".to_owned())
    }

    fn limits(&mut self) -> Result<(), String> {
        let flags = self.byte()?;
        self.u32()?;
        if flags & 1 == 1 {
            self.u32()?;
        }
        Ok(())
    }

    /// Skips what follows an import's names: a function's type, a table, a memory, a global
    /// or a tag.
    fn import_descriptor(&mut self) -> Result<(), String> {
        match self.byte()? {
            0 => self.u32().map(drop),
            1 => {
                self.byte()?;
                self.limits()
            }
            2 => self.limits(),
            3 => {
                self.byte()?;
                self.byte().map(drop)
            }
            4 => {
                self.byte()?;
                self.u32().map(drop)
            }
            kind => Err(format!("an import of unknown kind {kind}")),
        }
    }

    fn end(&self) -> Result<(), String> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err("a section has bytes after its last entry".into())
        }
    }
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two functions from the glue and one from elsewhere, exporting its
    /// memory, one runtime function and one API function, with a code-free custom section.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        write_u32(&mut imports, 3);
        for (module, name) in [
            (GLUE_MODULE, "__wbg_getItem_49556a3e59cfb688"),
            ("env", "keep_me"),
            (GLUE_MODULE, "__wbindgen_init_externref_table"),
        ] {
            write_name(&mut imports, module);
            write_name(&mut imports, name);
            imports.extend_from_slice(&[0, 0]);
        }
        let mut exports = Vec::new();
        write_u32(&mut exports, 3);
        for (name, kind) in [("memory", 2), ("__wbindgen_malloc", 0), ("authenticate", 0)] {
            write_name(&mut exports, name);
            exports.extend_from_slice(&[kind, 0]);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in [(0, b"\x04noteabc".to_vec()), (2, imports), (7, exports)] {
            wasm.push(id);
            write_u32(&mut wasm, body.len() as u32);
            wasm.extend_from_slice(&body);
        }
        wasm
    }

    #[test]
    fn renames_the_glue_imports_and_runtime_exports_in_both_files() {
        let glue = "const i={\"./paragon_connect_bg.js\":{__wbg_getItem_49556a3e59cfb688:function(){},\
                    __wbindgen_init_externref_table:function(){}}};\
                    j.__wbindgen_malloc(1);j.authenticate();x.__wbindgen_malloc_2;";
        let (wasm, glue) = shorten(&module(), glue).expect("a module to rewrite");
        assert_eq!(
            glue,
            "const i={\"./paragon_connect_bg.js\":{a:function(){},b:function(){}}};\
             j.__a(1);j.authenticate();x.__wbindgen_malloc_2;"
        );
        let text = String::from_utf8_lossy(&wasm);
        for kept in ["keep_me", "memory", "authenticate", "noteabc"] {
            assert!(text.contains(kept), "{kept} is kept");
        }
        assert!(!text.contains("__wbg_getItem") && !text.contains("__wbindgen_malloc"));
        // The rewritten module parses again, and a second pass finds nothing long to rename.
        let (again, _) = shorten(&wasm, "a b").expect("the rewritten module parses");
        assert_eq!(again.len(), wasm.len());
    }

    #[test]
    fn an_import_the_glue_does_not_name_fails_the_build() {
        let error =
            shorten(&module(), "j.__wbindgen_malloc()").expect_err("an import left unnamed");
        assert!(error.contains("__wbg_getItem_49556a3e59cfb688"), "{error}");
    }

    #[test]
    fn a_truncated_module_is_an_error_not_a_panic() {
        let wasm = module();
        for len in 0..wasm.len() {
            let _ = shorten(&wasm[..len], "");
        }
        assert!(shorten(b"not wasm", "").is_err());
    }

    #[test]
    fn short_names_run_through_the_alphabet() {
        let names: Vec<String> = [0, 25, 26, 27, 701, 702].map(|i| short_name(i, "")).into();
        assert_eq!(names, ["a", "z", "aa", "ab", "zz", "aaa"]);
    }
}
