//! "Wildcards and event pattern complexity" (user guide, Comparison operators): "If a rule is too
//! complex, EventBridge returns an InvalidEventPatternException", with the message
//! [`TOO_COMPLEX`] (recorded on AWS for the guide's own example `"*:*:*:*:*:event-bus/*"`:
//! LocalStack `tests/aws/services/events/test_events_patterns.snapshot.json`,
//! `content_wildcard_complex_EXC`). The guide names the causes (many wildcard characters,
//! character sequences repeated after a wildcard) but not the measure.
//!
//! The measure is Event Ruler's (`MachineComplexityEvaluator`, the matcher EventBridge runs):
//! the largest number of wildcard-pattern prefixes that one value can match at once, over every
//! possible value, summed over the distinct wildcard patterns of one field (`exactly`, `prefix`
//! and the other operators do not count). `"*aa"` scores 3 ("aa" is matched by `*`, `*a`,
//! `*aa`). Values are compared as EventBridge stores them: UTF-8 bytes between quotes.
//!
//! The limit, [`LIMIT`], is not published; it is the one that fits every verdict recorded on
//! AWS: the guide's `"*:*:*:*:*:event-bus/*"` scores 10 and is refused; its
//! `"/Users/*/dir/dir/dir/dir/dir/doc.txt"` scores 7 and is accepted
//! (`content_wildcard_repeating`); four `"*.ext"` patterns on one field (8) are accepted and four
//! `"*/datasync/*.ext"` (16) refused, two of them (8) accepted (observed on AWS, in a public
//! Terraform configuration's comment).

use std::collections::{BTreeSet, HashSet};

/// EventBridge's message.
pub(crate) const TOO_COMPLEX: &str = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// A field whose wildcard patterns score this much or more is refused.
pub(crate) const LIMIT: usize = 10;

/// Sets of active positions explored before giving up; past it the pattern is accepted, as
/// refusing what AWS may accept is the worse mistake.
const MAX_SETS: usize = 100_000;

/// A wildcard pattern as bytes: `Some(byte)` a literal byte, `None` a `*`.
pub(crate) type Tokens = Vec<Option<u8>>;

/// The score of one field's wildcard patterns, counted up to `cap` (returned as soon as it is
/// reached).
pub(crate) fn score(patterns: &[Tokens], cap: usize) -> usize {
    let mut patterns: Vec<&Tokens> = patterns.iter().collect();
    patterns.sort();
    patterns.dedup(); // a repeated pattern is one pattern ("duplicates do not count")
                      // One representative for every byte no pattern names: `None`.
    let alphabet: BTreeSet<u8> = patterns
        .iter()
        .flat_map(|p| p.iter().flatten().copied())
        .collect();
    let bytes: Vec<Option<u8>> = alphabet.into_iter().map(Some).chain([None]).collect();

    // A state is the set of (pattern, position) pairs whose prefix of that length matches the
    // value read so far; position 0 (nothing matched) is never counted.
    let start = closure(&patterns, (0..patterns.len()).map(|p| (p, 0)).collect());
    let mut best = counted(&start);
    let mut seen = HashSet::new();
    let mut pending = vec![start];
    while let Some(active) = pending.pop() {
        for &byte in &bytes {
            let next = step(&patterns, &active, byte);
            if next.is_empty() {
                continue;
            }
            best = best.max(counted(&next));
            if best >= cap {
                return cap;
            }
            if seen.len() < MAX_SETS && seen.insert(next.clone()) {
                pending.push(next);
            }
        }
    }
    best
}

fn counted(active: &[(usize, usize)]) -> usize {
    active.iter().filter(|(_, position)| *position > 0).count()
}

/// The positions after reading one byte (`None`: a byte no pattern names).
fn step(patterns: &[&Tokens], active: &[(usize, usize)], byte: Option<u8>) -> Vec<(usize, usize)> {
    let mut next = Vec::new();
    for &(p, i) in active {
        let tokens = patterns[p];
        if i > 0 && tokens[i - 1].is_none() {
            next.push((p, i)); // inside a `*`: it takes the byte
        }
        if byte.is_some() && tokens.get(i) == Some(&byte) {
            next.push((p, i + 1));
        }
    }
    closure(patterns, next)
}

/// A `*` also matches nothing: a position before one reaches the position after it.
fn closure(patterns: &[&Tokens], mut set: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut k = 0;
    while k < set.len() {
        let (p, i) = set[k];
        if patterns[p].get(i) == Some(&None) {
            set.push((p, i + 1));
        }
        k += 1;
    }
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(pattern: &str) -> Tokens {
        pattern.bytes().map(|b| (b != b'*').then_some(b)).collect()
    }

    fn of(patterns: &[&str]) -> usize {
        score(
            &patterns.iter().map(|p| tokens(p)).collect::<Vec<_>>(),
            usize::MAX,
        )
    }

    fn quoted(patterns: &[&str]) -> usize {
        of(&patterns
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>())
    }

    /// Event Ruler's own figures for its measure (aws/event-ruler
    /// `src/test/software/amazon/event/ruler/MachineComplexityEvaluatorTest.java`; unquoted,
    /// as there).
    #[test]
    fn scores_agree_with_event_rulers_tests() {
        assert_eq!(of(&["*"]), 1);
        assert_eq!(of(&["abc"]), 1);
        assert_eq!(of(&["*ab"]), 2);
        assert_eq!(of(&["*aa"]), 3);
        assert_eq!(of(&["a*bcb"]), 3);
        assert_eq!(of(&["a*bbb"]), 4);
        assert_eq!(of(&["*ab*ad"]), 4);
        assert_eq!(of(&["a*b*bb"]), 5);
        assert_eq!(of(&["a*b*cd"]), 3);
        assert_eq!(of(&["*ab*b*b*"]), 7);
        assert_eq!(of(&["*a*a*a*a*a*a*a*a*"]), 17);
        assert_eq!(of(&["*abc", "*abcde"]), 4);
        assert_eq!(of(&["a*aaa", "aa*aa"]), 7);
        assert_eq!(of(&["a*bc", "abc*d"]), 4);
        assert_eq!(of(&["ab*cd", "ab*wx", "ab*yz"]), 6);
        assert_eq!(of(&["ab*c", "ab*c"]), 2);
    }

    /// The verdicts the limit is drawn from (see the module comment for the sources).
    #[test]
    fn limit_fits_the_verdicts_recorded_on_aws() {
        let refused = |patterns: &[&str]| quoted(patterns) >= LIMIT;
        assert!(refused(&["*:*:*:*:*:event-bus/*"]));
        assert!(!refused(&["/Users/*/dir/dir/dir/dir/dir/doc.txt"]));
        assert!(!refused(&["/Users/*/doc.txt"]));
        assert!(!refused(&["arn:aws:events:us-east-1:*:event-bus/*"]));
        assert!(!refused(&["*.bif", "*.tiff", "*.tif", "*.svs"]));
        assert!(!refused(&["*/datasync/*.bif", "*/datasync/*.tif"]));
        assert!(refused(&[
            "*/datasync/*.bif",
            "*/datasync/*.tif",
            "*/datasync/*.tiff",
            "*/datasync/*.svs"
        ]));
    }
}
