//! Everything a test binary logs, captured once for the whole process: a scoped subscriber
//! misses the events of the servers' own tasks on other threads. Assertions look for lines that
//! name something of their own test (an issuer, a client id), since every test's events land here.

use std::sync::{Arc, Mutex, OnceLock};

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Installs the capture (at TRACE, no colours) as the global subscriber; idempotent.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || BufferWriter(Arc::clone(&writer)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    });
}

/// Everything logged so far by every test in this binary.
///
/// # Panics
/// If [`capture_logs`] has not run.
pub fn logs() -> String {
    let buffer = LOGS.get().expect("capture_logs ran");
    String::from_utf8_lossy(
        &buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned()
}

struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fields of every captured span `name` (`outcome=allowed cache=hit`, quotes removed), one
/// entry per line that shows it.
pub fn span_fields(text: &str, name: &str) -> Vec<String> {
    let open = format!("{name}{{");
    text.lines()
        .filter_map(|line| {
            let start = line.find(&open)? + open.len();
            let end = line[start..].find('}')? + start;
            Some(line[start..end].replace('"', ""))
        })
        .collect()
}

/// Asserts that some captured line shows span `name` with every one of `fields`
/// (`"outcome=allowed"`; `"reason="` for any value), in any order.
///
/// # Panics
/// If none does, listing the spans of that name seen.
pub fn assert_span(text: &str, name: &str, fields: &[&str]) {
    let spans = span_fields(text, name);
    let shows = |span: &String| {
        fields.iter().all(|field| {
            span.split(' ')
                .any(|part| part == *field || (field.ends_with('=') && part.starts_with(field)))
        })
    };
    assert!(
        spans.iter().any(shows),
        "no {name} span with {fields:?} among {spans:#?}"
    );
}
