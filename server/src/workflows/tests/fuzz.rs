//! Property-style tests over odd inputs: whatever the text, parsing and rendering answer with a
//! value or an error, never a panic. A fixed seed keeps failures reproducible.

use serde_json::{Map, Value, json};

use super::*;

/// xorshift64*: enough randomness to shake parsers, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TEMPLATE_PIECES: &[&str] = &[
    "{{",
    "}}",
    "{",
    "}",
    "\\",
    ".",
    " ",
    "\t",
    "\n",
    "event",
    "user",
    "meta",
    "id",
    "steps",
    "output",
    "a",
    "0",
    "99999999999999999999",
    "-",
    "_",
    "é",
    "𝄞",
    "\u{0}",
];

#[test]
fn any_template_text_parses_or_fails_cleanly_and_renders_without_panicking() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let event = json!({"a": [1, {"b": null}], "id": "x", "0": {"a": "zero"}});
    let empty = Map::new();
    let ctx = Context::of_event(&event, &empty);
    for _ in 0..5_000 {
        let source: String = (0..rng.below(16))
            .map(|_| rng.pick(TEMPLATE_PIECES))
            .collect();

        let Ok(template) = Template::parse(&source) else {
            continue;
        };
        let rendered = template.render(&ctx);

        if !source.contains('{') {
            assert_eq!(rendered.value, Value::String(source.clone()));
        }
        for path in template.variables() {
            let again = Template::parse(&format!("{{{{{path}}}}}")).expect("a path re-parses");
            assert_eq!(again.variables().next(), Some(path));
        }
    }
}

const YAML_PIECES: &[&str] = &[
    ":", "-", "[", "]", "{", "}", "&a", "*a", "!!str", "|", ">", "'", "\"", "#", "%", "@", "\t",
    "\n", " ", "  ", "---", "...", "? ", "{{", "é", "\u{feff}", "\r",
];

#[test]
fn mutated_workflow_files_never_panic_and_errors_stay_in_the_file() {
    let mut rng = Rng(0xC0FF_EE00_D15E_A5E5);
    for _ in 0..3_000 {
        let mut text = WORKFLOW.to_owned();
        for _ in 0..=rng.below(3) {
            let at = rng.below(text.len() + 1);
            let at = (0..=at)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            if rng.below(2) == 0 {
                text.insert_str(at, rng.pick(YAML_PIECES));
            } else {
                let end = (at..=text.len().min(at + rng.below(8)))
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(at);
                text.replace_range(at..end, "");
            }
        }

        let result = parse_workflow(FILE_NAME, &text);

        if let Err(errors) = result {
            assert!(!errors.0.is_empty(), "an error result lists its errors");
            let lines = text.lines().count() + 2;
            for error in errors.0 {
                assert!((1..=lines).contains(&error.line), "{error} in\n{text}");
            }
        }
    }
}

const FILE_NAME: &str = "workflows/fuzz.yaml";

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        "[".repeat(100_000),
        "{a: ".repeat(50_000),
        (0..200)
            .map(|depth| format!("{}k:\n", " ".repeat(depth)))
            .collect(),
    ] {
        let errors = parse_workflow(FILE_NAME, &text).expect_err("not a workflow");

        assert!(!errors.0.is_empty());
    }
}

#[test]
fn a_large_example_payload_loads_quickly() {
    let keys: String = (0..50_000).map(|i| format!("  key{i}: {i}\n")).collect();
    let text = format!("name: Big\nexample:\n{keys}");

    let started = std::time::Instant::now();
    let event = parse_event("events/big.yaml", &text).expect("valid");

    assert_eq!(event.example["key49999"], json!(49_999));
    assert!(
        started.elapsed().as_secs() < 10,
        "duplicate-key checks are not quadratic"
    );
}
