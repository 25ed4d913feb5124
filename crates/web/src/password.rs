//! Password hashing with Argon2id (the argon2 crate's default parameters), as PHC strings.
//! The command line reuses these for `resolute user add|passwd`.
//!
//! Both functions are CPU-heavy (tens of milliseconds in release builds): call them from
//! a blocking thread in async code, as the sign-in handler does.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes a password into a PHC string (`$argon2id$v=19$...`) with a random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("một mật khẩu dài").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("một mật khẩu dài", &h));
        assert!(!verify("sai mật khẩu", &h));
        assert!(!verify("x", "not a hash"));
    }
}
