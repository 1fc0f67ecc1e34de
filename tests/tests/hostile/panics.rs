//! "Nothing panicked": a process-wide panic hook that counts every panic (in any thread, on any
//! server task) and then calls the default hook, so the message still shows. Shared by the
//! `hostile`, `faults` and `load` binaries (`#[path]`-included).

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

static PANICS: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Installs the counting hook (once per process).
pub fn install() {
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

/// Panics counted so far in this process.
pub fn count() -> usize {
    PANICS.load(Ordering::SeqCst)
}

/// Asserts that nothing panicked since the hook was installed.
#[track_caller]
pub fn assert_none(after: &str) {
    assert_eq!(
        count(),
        0,
        "a panic happened in this process during: {after} (see stderr above; if another test of \
         this binary failed, its assertion is the panic counted here)"
    );
}

/// Writes a figures line straight to stderr, past the test harness's output capture, so it
/// shows in every `cargo test` run (CI logs included).
pub fn report(line: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
