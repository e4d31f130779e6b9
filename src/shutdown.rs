//! The process's stop: raised once the HTTP server has finished its
//! in-flight requests, it ends the background work (the webhook worker
//! hands back what it holds), so that the last clone of the catalogue
//! closes the pool.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Whether the process is stopping; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<(Mutex<bool>, Condvar)>);

impl Stopping {
    /// A process that runs.
    pub fn new() -> Stopping {
        Stopping::default()
    }

    /// Raises the stop, waking every [`Stopping::wait`].
    pub fn stop(&self) {
        let (stopped, changed) = &*self.0;
        *stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        changed.notify_all();
    }

    /// Whether the stop is raised.
    pub fn is_raised(&self) -> bool {
        *self.0 .0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps for `period` or until the stop is raised; returns whether it
    /// is.
    pub fn wait(&self, period: Duration) -> bool {
        let (stopped, changed) = &*self.0;
        let guard = stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = changed
            .wait_timeout_while(guard, period, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_at_the_stop_not_at_its_period() {
        let stopping = Stopping::new();
        assert!(!stopping.wait(Duration::from_millis(1)));
        let other = stopping.clone();
        let waiter = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            (other.wait(Duration::from_secs(60)), started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(50));
        stopping.stop();
        let (raised, waited) = waiter.join().expect("the waiter");
        assert!(raised && stopping.is_raised());
        assert!(waited < Duration::from_secs(10), "{waited:?}");
    }
}
