//! One async test as a libtest-mimic trial, on its own runtime: shared by the test binaries
//! that run with `harness = false` (`tests/moto`, `tests/mariadb`).

use libtest_mimic::{Failed, Trial};
use std::future::Future;

/// A trial running an async test on its own runtime.
pub fn trial<F, Fut>(name: &str, test: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failed::from(e.to_string()))?
            .block_on(test());
        Ok(())
    })
}
