//! `States.UUID`: a version 4 UUID, its 122 random bits taken from the engine's random source.

use serde_json::Value;

use super::hex;
use crate::data::RandomSource;

pub(super) fn v4(random: &mut dyn RandomSource) -> Value {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&random.next_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = hex(&bytes);
    Value::String(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SeededRandom;

    #[test]
    fn version_4_format_and_reproducible() {
        let mut random = SeededRandom::new(9);
        let first = v4(&mut random);
        let second = v4(&mut random);
        assert_ne!(first, second);
        assert_eq!(v4(&mut SeededRandom::new(9)), first);
        for uuid in [first, second] {
            let s = uuid.as_str().unwrap();
            let groups: Vec<usize> = s.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{s}");
            assert_eq!(&s[14..15], "4", "{s}");
            assert!("89ab".contains(&s[19..20]), "{s}");
            assert!(s
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }
}
