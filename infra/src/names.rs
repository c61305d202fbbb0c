//! Names in templates: logical ids and short content hashes.

/// `promote_replica`, `woo-failover-forward` → `PromoteReplica`, `WooFailoverForward`: a
/// CloudFormation logical id (letters and digits only).
pub fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint (not a security hash) that changes
/// when a function's configuration does, so that a new version is published.
pub fn fnv_hex(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids() {
        assert_eq!(camel("promote_replica"), "PromoteReplica");
        assert_eq!(
            camel("woo-failover-primary-alarm-forward"),
            "WooFailoverPrimaryAlarmForward"
        );
        assert_eq!(camel("failover"), "Failover");
    }

    #[test]
    fn fingerprint_is_stable() {
        // FNV-1a 64 of "" and "a" (the published test vectors).
        assert_eq!(fnv_hex(""), "cbf29ce484222325");
        assert_eq!(fnv_hex("a"), "af63dc4c8601ec8c");
    }
}
