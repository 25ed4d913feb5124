//! Password hashing with Argon2id (the argon2 crate's default parameters), as PHC strings.
//! The command line reuses these for `resolute user add|passwd`.
//!
//! Both functions are CPU-heavy (tens of milliseconds in release builds) and take about
//! 19 MB of memory each (Argon2id's default cost): in the server they run through the
//! [`Gate`], which bounds how many run at once, on blocking threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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

/// Bounds the Argon2 work the server does at once: forty sign-ins sent together took the
/// server from 16 MB to 610 MB (issue 11, defect 5). Also counts the verifications it ran,
/// for the tests and the logs.
pub struct Gate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    limit: usize,
    running: std::sync::Arc<AtomicUsize>,
    peak: std::sync::Arc<AtomicUsize>,
    verified: AtomicU64,
}

/// How long a sign-in waits for a turn before it is told the server is busy.
const WAIT_FOR_TURN: std::time::Duration = std::time::Duration::from_secs(10);

/// The server had no turn free in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// What the [`Gate`] has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateStats {
    /// Password verifications run.
    pub verified: u64,
    /// The most Argon2 computations (verifications and hashes) that ran at once.
    pub peak: usize,
    /// How many may run at once.
    pub limit: usize,
}

impl Gate {
    /// A gate letting `limit` computations run at once (at least one).
    pub fn new(limit: usize) -> Gate {
        let limit = limit.max(1);
        Gate {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
            running: Default::default(),
            peak: Default::default(),
            verified: AtomicU64::new(0),
        }
    }

    /// As many as the machine has cores, between 2 and 8 (8 × 19 MB at most).
    pub fn for_this_machine() -> Gate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores.clamp(2, 8))
    }

    pub fn stats(&self) -> GateStats {
        GateStats {
            verified: self.verified.load(Ordering::Relaxed),
            peak: self.peak.load(Ordering::Relaxed),
            limit: self.limit,
        }
    }

    /// Runs `f` on a blocking thread once a turn is free. The turn is held by the blocking
    /// task itself, so a request that goes away mid-way does not free it early.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = tokio::time::timeout(WAIT_FOR_TURN, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (running, peak) = (self.running.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = f();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(|_| Busy)
    }

    /// [`verify`] in turn.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        let ok = self.run(move || verify(&password, &phc)).await?;
        self.verified.fetch_add(1, Ordering::Relaxed);
        Ok(ok)
    }

    /// [`hash`] in turn.
    pub async fn hash(&self, password: String) -> Result<Result<String, String>, Busy> {
        self.run(move || hash(&password)).await
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_gate_bounds_how_many_run_at_once() {
        let gate = std::sync::Arc::new(Gate::new(2));
        let h = hash("một mật khẩu dài").unwrap();
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (gate, h) = (gate.clone(), h.clone());
                tokio::spawn(async move { gate.verify("sai".into(), h).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(false));
        }
        let s = gate.stats();
        assert_eq!(s.verified, 12);
        assert!(s.peak <= 2, "{s:?}");
    }
}
