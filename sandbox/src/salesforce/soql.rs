//! The SOQL a workflow needs: `SELECT a, b FROM Contact|Lead [WHERE F = 'v' [AND G = 'w']…]
//! [LIMIT n]`. Keywords are case-insensitive; string literals take backslash escapes (`\'`,
//! `\\`, `\n`, …), as in "Quoted String Escape Sequences" of the SOQL reference
//! (<https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm>).
//! `=` on text is case-insensitive, as in Salesforce. Anything else is `MALFORMED_QUERY`.

use super::{failure::RestFailure, records::Kind};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Selected fields, catalogue spelling, in the order written.
    pub fields: Vec<&'static str>,
    /// The object.
    pub kind: Kind,
    /// `field = value` conditions, all of which must hold.
    pub conditions: Vec<(&'static str, String)>,
    /// `LIMIT`.
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Comma,
    Equals,
}

fn malformed(message: impl Into<String>) -> RestFailure {
    RestFailure::bad_request("MALFORMED_QUERY", message)
}

fn tokens(soql: &str) -> Result<Vec<Token>, RestFailure> {
    let mut out = Vec::new();
    let mut chars = soql.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            ',' => {
                chars.next();
                out.push(Token::Comma);
            }
            '=' => {
                chars.next();
                out.push(Token::Equals);
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        None => return Err(malformed("unterminated string literal")),
                        Some('\'') => break,
                        Some('\\') => text.push(match chars.next() {
                            Some('n') => '\n',
                            Some('r') => '\r',
                            Some('t') => '\t',
                            Some('b') => '\u{8}',
                            Some('f') => '\u{c}',
                            Some(e @ ('\'' | '"' | '\\' | '_' | '%')) => e,
                            other => {
                                return Err(malformed(format!(
                                    "invalid escape sequence: \\{}",
                                    other.unwrap_or(' ')
                                )));
                            }
                        }),
                        Some(c) => text.push(c),
                    }
                }
                out.push(Token::Text(text));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::new();
                while let Some(&c) = chars
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.')
                {
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
            other => return Err(malformed(format!("unexpected token: '{other}'"))),
        }
    }
    Ok(out)
}

fn keyword(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

fn invalid_field(name: &str, kind: Kind) -> RestFailure {
    RestFailure::bad_request(
        "INVALID_FIELD",
        format!(
            "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.",
            kind.name()
        ),
    )
}

/// Parses `soql`.
pub fn parse(soql: &str) -> Result<Query, RestFailure> {
    let tokens = tokens(soql)?;
    let mut at = tokens.iter().peekable();
    if !keyword(at.next(), "SELECT") {
        return Err(malformed(
            "unexpected token: the query must start with SELECT",
        ));
    }
    let mut names = Vec::new();
    loop {
        match at.next() {
            Some(Token::Word(w)) if !w.eq_ignore_ascii_case("FROM") => names.push(w.clone()),
            _ => {
                return Err(malformed(
                    "unexpected token: a field name was expected after SELECT or ','",
                ));
            }
        }
        if at.peek() == Some(&&Token::Comma) {
            at.next();
        } else {
            break;
        }
    }
    if !keyword(at.next(), "FROM") {
        return Err(malformed(
            "unexpected token: FROM was expected after the fields",
        ));
    }
    let kind = match at.next() {
        Some(Token::Word(object)) => Kind::parse(object).ok_or_else(|| {
            RestFailure::bad_request(
                "INVALID_TYPE",
                format!("sObject type '{object}' is not supported."),
            )
        })?,
        _ => {
            return Err(malformed(
                "unexpected token: an object name was expected after FROM",
            ));
        }
    };
    let fields = names
        .iter()
        .map(|n| kind.field(n).ok_or_else(|| invalid_field(n, kind)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut conditions = Vec::new();
    if keyword(at.peek().copied(), "WHERE") {
        at.next();
        loop {
            let (Some(Token::Word(name)), Some(Token::Equals), Some(Token::Text(value))) =
                (at.next(), at.next(), at.next())
            else {
                return Err(malformed(
                    "unexpected token: WHERE takes Field = 'value' conditions joined by AND",
                ));
            };
            let field = kind.field(name).ok_or_else(|| invalid_field(name, kind))?;
            conditions.push((field, value.clone()));
            if keyword(at.peek().copied(), "AND") {
                at.next();
            } else {
                break;
            }
        }
    }
    let mut limit = None;
    if keyword(at.peek().copied(), "LIMIT") {
        at.next();
        let Some(Token::Word(n)) = at.next() else {
            return Err(malformed("unexpected token: LIMIT takes a number"));
        };
        limit = Some(
            n.parse()
                .map_err(|_| malformed(format!("unexpected token: '{n}' is not a LIMIT")))?,
        );
    }
    if let Some(extra) = at.next() {
        return Err(malformed(format!("unexpected token: {extra:?}")));
    }
    Ok(Query {
        fields,
        kind,
        conditions,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_by_email_parses_with_escapes_and_limit() {
        let query = parse(
            r"select Id, email FROM Contact WHERE Email = 'o\'brien@x.test' AND LastName = 'O' LIMIT 1",
        );
        let query = query.ok();
        assert_eq!(
            query.as_ref().map(|q| q.fields.clone()),
            Some(vec!["Id", "Email"])
        );
        assert_eq!(
            query.map(|q| (q.conditions, q.limit)),
            Some((
                vec![
                    ("Email", "o'brien@x.test".to_owned()),
                    ("LastName", "O".to_owned())
                ],
                Some(1)
            ))
        );
    }

    #[test]
    fn anything_else_is_malformed() {
        for soql in [
            "SELECT FROM Contact",
            "SELECT Id FROM Contact WHERE Email LIKE 'a%'",
            "DELETE Contact",
            "SELECT Id FROM Contact LIMIT x",
            "SELECT Id FROM Contact WHERE Email = 'x",
        ] {
            assert_eq!(
                parse(soql).err().map(|f| f.code),
                Some("MALFORMED_QUERY"),
                "{soql}"
            );
        }
    }

    #[test]
    fn unknown_fields_and_objects_are_named() {
        assert_eq!(
            parse("SELECT Foo FROM Lead").err().map(|f| f.code),
            Some("INVALID_FIELD")
        );
        assert_eq!(
            parse("SELECT Id FROM Account").err().map(|f| f.code),
            Some("INVALID_TYPE")
        );
    }
}
