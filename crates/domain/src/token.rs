//! Signed, expiring tokens: an HMAC-SHA256 of a message under the server's key, written as
//! lowercase hex ([`hex`] is the one hex codec of the workspace). Used by the sign-in
//! form's token (`web::auth`) and the study check-in links ([`crate::study`]); each scheme
//! says what its message is and where the expiry goes.

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The signature does not match the message (altered, or signed for something else).
    BadSignature,
    /// The signature is good but its time is over.
    Expired,
}

fn mac(key: &[u8], message: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    mac
}

/// The signature of `message` under `key`: 64 lowercase hex digits.
pub fn sign(key: &[u8], message: &str) -> String {
    hex::encode(mac(key, message).finalize().into_bytes())
}

/// Checks a signature of `message` that is valid until `expires` (Unix seconds, inclusive)
/// at `now`: the signature first, in constant time, then the expiry.
pub fn verify(
    key: &[u8],
    message: &str,
    signature: &str,
    expires: i64,
    now: i64,
) -> Result<(), TokenError> {
    let sig = hex::decode(signature).map_err(|_| TokenError::BadSignature)?;
    mac(key, message)
        .verify_slice(&sig)
        .map_err(|_| TokenError::BadSignature)?;
    if now > expires {
        return Err(TokenError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_and_expiring() {
        let key = b"server secret";
        let sig = sign(key, "a:1");
        assert_eq!(sig.len(), 64);
        assert!(
            sig.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(verify(key, "a:1", &sig, 10, 10), Ok(()));
        assert_eq!(verify(key, "a:1", &sig, 10, 11), Err(TokenError::Expired));
        assert_eq!(
            verify(key, "a:2", &sig, 10, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(b"other", "a:1", &sig, 10, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(key, "a:1", "zz", 10, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(key, "a:1", &sig[..62], 10, 0),
            Err(TokenError::BadSignature)
        );
        // Upper-case hex of the same bytes is the same signature.
        let upper = sig.to_ascii_uppercase();
        assert_eq!(verify(key, "a:1", &upper, 10, 0), Ok(()));
    }
}
