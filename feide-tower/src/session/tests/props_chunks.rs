//! Property tests of sealed values spread over several cookies (issue #9): a chunked session
//! opens only as sealed; any reordering, loss, duplication or mixing of its chunks with those
//! of another session is refused, whole or after joining.

use proptest::prelude::*;

use super::*;
use crate::session::cookie::Chunker;

const NAME: &str = "feide_session";

/// A sealed value long enough for 2 to 5 chunks.
fn sealed(len: usize, seed: u64) -> String {
    codec(&[NEW]).seal(NAME, &bytes(len, seed))
}

/// Joins `cookies` and opens the result; `true` only if a session came out.
fn opens(cookies: &[(String, &str)]) -> bool {
    let chunker = Chunker::new();
    match chunker.join(NAME, cookies.iter().map(|(n, v)| (n.as_str(), *v))) {
        Ok(Some(value)) => codec(&[NEW, OLD]).open(NAME, &value).is_ok(),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn chunked_values_round_trip(len in 3_000usize..13_000, seed in any::<u64>()) {
        let value = sealed(len, seed);
        let chunks = Chunker::new().split(NAME, &value).unwrap();
        prop_assert!(chunks.len() >= 2);
        let cookies: Vec<(String, &str)> = chunks.iter().map(|(n, v)| (n.clone(), *v)).collect();
        prop_assert!(opens(&cookies));
    }

    #[test]
    fn any_reordering_of_chunk_values_fails(len in 3_000usize..13_000, seed in any::<u64>(), order in Just((0..5).collect::<Vec<usize>>()).prop_shuffle()) {
        let value = sealed(len, seed);
        let chunks = Chunker::new().split(NAME, &value).unwrap();
        let order: Vec<usize> = order.into_iter().filter(|&i| i < chunks.len()).collect();
        prop_assume!(order.iter().enumerate().any(|(at, &i)| at != i && chunks[at].1 != chunks[i].1));
        let cookies: Vec<(String, &str)> = order.iter().enumerate().map(|(at, &i)| (chunks[at].0.clone(), chunks[i].1)).collect();
        prop_assert!(!opens(&cookies));
    }

    #[test]
    fn losing_or_duplicating_a_chunk_fails(len in 3_000usize..13_000, seed in any::<u64>(), pick in any::<prop::sample::Index>(), duplicate in any::<bool>()) {
        let value = sealed(len, seed);
        let chunks = Chunker::new().split(NAME, &value).unwrap();
        let i = pick.index(chunks.len());
        let mut cookies: Vec<(String, &str)> = chunks.iter().map(|(n, v)| (n.clone(), *v)).collect();
        if duplicate {
            cookies.push(cookies[i].clone());
        } else {
            cookies.remove(i);
        }
        prop_assert!(!opens(&cookies));
    }

    #[test]
    fn mixing_chunks_of_two_sessions_fails(len in 3_000usize..13_000, seeds in any::<(u64, u64)>(), pick in any::<prop::sample::Index>()) {
        let (a, b) = (sealed(len, seeds.0), sealed(len, seeds.1));
        let (ca, cb) = (Chunker::new().split(NAME, &a).unwrap(), Chunker::new().split(NAME, &b).unwrap());
        prop_assume!(ca.len() == cb.len());
        let i = pick.index(ca.len());
        let cookies: Vec<(String, &str)> = ca
            .iter()
            .enumerate()
            .map(|(at, (n, v))| (n.clone(), if at == i { cb[at].1 } else { *v }))
            .collect();
        prop_assert!(!opens(&cookies));
    }
}
