//! How much of a provider's answer the server reads. A tenant can point an integration's API base
//! or token URL at a public server of its own (the egress policy allows any public address), and
//! that server can answer with an endless body: read whole, it would hold the platform's memory
//! for as long as the provider call's timeout. So every answer is read chunk by chunk up to a cap,
//! and a longer one fails the call.

use reqwest::Response;

use super::provider::ProviderError;

/// The most of an API answer the server holds: a page of 100 HubSpot contacts with every
/// property is a few hundred KiB, so 8 MiB leaves room for any page a caller asks for while
/// bounding what one call can make a replica hold (the proxy answers the body whole).
pub const API_ANSWER_MAX: usize = 8 * 1024 * 1024;

/// The most of a token endpoint's answer the server reads: tokens, an error or an introspection
/// are a few hundred bytes of JSON.
pub const TOKEN_ANSWER_MAX: usize = 1024 * 1024;

/// The answer's body, at most `max` bytes. Past it: [`ProviderError::AnswerTooLarge`] (a
/// `Content-Length` over the cap is refused before anything is read); a connection that breaks
/// while the body is read: [`ProviderError::Transient`].
pub async fn read(mut response: Response, max: usize) -> Result<Vec<u8>, ProviderError> {
    let too_large = ProviderError::AnswerTooLarge { max };
    let announced = response.content_length().unwrap_or(0);
    if usize::try_from(announced).map_or(true, |length| length > max) {
        return Err(too_large);
    }
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::Transient(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > max {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
