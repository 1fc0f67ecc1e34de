use std::borrow::Cow;

use crate::session::cookie::{CHUNK_SIZE, ChunkError, Chunker, DEFAULT_MAX_CHUNKS};

fn pairs<'a>(list: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    list.iter().copied()
}

#[test]
fn short_values_stay_in_one_cookie() {
    let chunker = Chunker::new();
    let value = "x".repeat(CHUNK_SIZE);
    assert_eq!(
        chunker.split("s", &value).unwrap(),
        [("s".to_owned(), value.as_str())]
    );
    assert_eq!(chunker.split("s", "").unwrap(), [("s".to_owned(), "")]);
}

#[test]
fn long_values_are_chunked_and_rejoined() {
    let chunker = Chunker::new();
    assert_eq!((CHUNK_SIZE, DEFAULT_MAX_CHUNKS), (3800, 5));
    for len in [
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        2 * CHUNK_SIZE + 1,
        5 * CHUNK_SIZE,
    ] {
        let value: String = (0..len)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let chunks = chunker.split("s", &value).unwrap();
        assert_eq!(chunks.len(), len.div_ceil(CHUNK_SIZE), "{len}");
        for (i, (name, chunk)) in chunks.iter().enumerate() {
            assert_eq!(name, &format!("s.{i}"));
            assert!(chunk.len() <= CHUNK_SIZE);
        }
        // Order in the request does not matter.
        let mut request: Vec<(&str, &str)> = chunks.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        request.reverse();
        request.insert(1, ("other", "x"));
        assert_eq!(chunker.join("s", request).unwrap().unwrap(), value);
    }
}

#[test]
fn multibyte_characters_are_not_cut() {
    let chunker = Chunker::new();
    let value = "æøå€😀".repeat(1000); // 16 bytes per round, 16 000 bytes
    let chunks = chunker.split("s", &value).unwrap();
    assert!(
        chunks
            .iter()
            .all(|(_, c)| c.len() <= CHUNK_SIZE && !c.is_empty())
    );
    let request = chunks.iter().map(|(n, v)| (n.as_str(), *v));
    assert_eq!(chunker.join("s", request).unwrap().unwrap(), value);
}

#[test]
fn over_the_cap_is_refused() {
    let chunker = Chunker::new();
    let err = chunker
        .split("s", &"x".repeat(5 * CHUNK_SIZE + 1))
        .unwrap_err();
    assert_eq!(
        err,
        ChunkError::TooLarge {
            len: 19_001,
            max: 19_000
        }
    );

    let two = Chunker::new().with_max_chunks(2);
    assert_eq!(two.max_chunks(), 2);
    assert_eq!(two.max_value_len(), 7600);
    assert_eq!(two.split("s", &"x".repeat(7600)).unwrap().len(), 2);
    assert!(matches!(
        two.split("s", &"x".repeat(7601)),
        Err(ChunkError::TooLarge { .. })
    ));
    // Multi-byte characters can need one chunk more than the byte count suggests.
    let tight = "€".repeat(7600 / 3) + "x";
    assert_eq!(tight.len(), 7600);
    assert!(matches!(
        two.split("s", &tight),
        Err(ChunkError::TooLarge { .. })
    ));

    assert_eq!(Chunker::new().with_max_chunks(0).max_chunks(), 1);
    assert_eq!(Chunker::default(), Chunker::new());
}

#[test]
fn join_prefers_the_plain_cookie() {
    let chunker = Chunker::new();
    assert_eq!(chunker.join("s", pairs(&[("a", "1")])).unwrap(), None);
    assert_eq!(chunker.join("s", pairs(&[])).unwrap(), None);
    let joined = chunker
        .join("s", pairs(&[("s.0", "a"), ("s", "plain"), ("s.1", "b")]))
        .unwrap();
    assert!(matches!(joined, Some(Cow::Borrowed("plain"))));
    // Even next to broken chunks.
    let joined = chunker
        .join("s", pairs(&[("s.99", "a"), ("s", "plain"), ("s.1", "b")]))
        .unwrap();
    assert_eq!(joined.as_deref(), Some("plain"));
    assert_eq!(
        chunker.join("s", pairs(&[("s", "")])).unwrap().as_deref(),
        Some("")
    );
}

#[test]
fn join_refuses_gaps() {
    let chunker = Chunker::new();
    assert_eq!(
        chunker.join("s", pairs(&[("s.0", "a"), ("s.2", "c")])),
        Err(ChunkError::Gap { missing: 1 })
    );
    assert_eq!(
        chunker.join("s", pairs(&[("s.1", "b"), ("s.2", "c")])),
        Err(ChunkError::Gap { missing: 0 })
    );
    assert_eq!(
        chunker.join("s", pairs(&[("s.4", "e")])),
        Err(ChunkError::Gap { missing: 0 })
    );
}

#[test]
fn join_refuses_duplicates() {
    let chunker = Chunker::new();
    assert_eq!(
        chunker.join("s", pairs(&[("s.0", "a"), ("s.1", "b"), ("s.0", "a")])),
        Err(ChunkError::Duplicate { index: Some(0) })
    );
    // `s.00` is not how we write chunk 0: not ours, ignored.
    assert_eq!(
        chunker
            .join("s", pairs(&[("s.0", "a"), ("s.00", "a")]))
            .unwrap()
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        chunker.join("s", pairs(&[("s", "a"), ("s", "b")])),
        Err(ChunkError::Duplicate { index: None })
    );
}

#[test]
fn join_ignores_indexes_beyond_the_cap() {
    // Cookies we cannot have written are not part of the value: no error, no deletion.
    let chunker = Chunker::new();
    assert_eq!(
        chunker
            .join("s", pairs(&[("s.0", "a"), ("s.99", "z")]))
            .unwrap()
            .as_deref(),
        Some("a")
    );
    assert_eq!(chunker.join("s", pairs(&[("s.5", "f")])), Ok(None));
    assert_eq!(
        chunker.join("s", pairs(&[("s.99999999999999999999999999", "z")])),
        Ok(None)
    );
    let hundred: Vec<(String, String)> = (0..100)
        .map(|i| (format!("s.{i}"), "x".to_owned()))
        .collect();
    let request = hundred.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    assert_eq!(
        chunker.join("s", request).unwrap().as_deref(),
        Some("xxxxx"),
        "chunks 0 to 4 only"
    );
    assert_eq!(
        chunker.names_to_clear("s", hundred.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        ["s.0", "s.1", "s.2", "s.3", "s.4"]
    );
    // Exactly the cap is fine.
    let five = [
        ("s.0", "a"),
        ("s.1", "b"),
        ("s.2", "c"),
        ("s.3", "d"),
        ("s.4", "e"),
    ];
    assert_eq!(
        chunker.join("s", pairs(&five)).unwrap().as_deref(),
        Some("abcde")
    );
    assert_eq!(
        Chunker::new()
            .with_max_chunks(4)
            .join("s", pairs(&five))
            .unwrap()
            .as_deref(),
        Some("abcd")
    );
}

#[test]
fn the_cap_is_between_1_and_64() {
    assert_eq!(Chunker::new().with_max_chunks(0).max_chunks(), 1);
    assert_eq!(Chunker::new().with_max_chunks(64).max_chunks(), 64);
    assert_eq!(Chunker::new().with_max_chunks(usize::MAX).max_chunks(), 64);
    let chunker = Chunker::new().with_max_chunks(64);
    let request: Vec<(String, &str)> = (0..100).map(|i| (format!("s.{i}"), "x")).collect();
    let names = chunker.names_to_clear("s", request.iter().map(|(n, v)| (n.as_str(), *v)));
    assert_eq!(names.len(), 64);
    assert_eq!(names.last(), Some(&"s.63"));
}

#[test]
fn only_name_and_numbered_chunks_belong_to_a_name() {
    let chunker = Chunker::new();
    let request = [
        ("sessionid", "1"),
        ("session.", "2"),
        ("session.x", "3"),
        ("session.0a", "4"),
        ("session.-1", "5"),
        ("session.+1", "6"),
        ("session.1.0", "7"),
        ("session.00", "7a"),
        ("session.5", "7b"),
        ("session.99999999999999999999", "7c"),
        ("Session", "8"),
        ("xsession", "9"),
    ];
    assert_eq!(chunker.join("session", pairs(&request)).unwrap(), None);
    assert!(
        chunker
            .names_to_clear("session", pairs(&request))
            .is_empty()
    );
}

#[test]
fn names_to_clear_lists_every_cookie_of_the_name_once() {
    let chunker = Chunker::new();
    let request = [
        ("other", "x"),
        ("s.0", "a"),
        ("s", "p"),
        ("s.1", "b"),
        ("s.99", "beyond the cap"),
        ("s.01", "not canonical"),
        ("s.0", "again"),
        ("s.x", "not ours"),
        ("s.4", "e"),
    ];
    assert_eq!(
        chunker.names_to_clear("s", pairs(&request)),
        ["s.0", "s", "s.1", "s.4"]
    );
}
