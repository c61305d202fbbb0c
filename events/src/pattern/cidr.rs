//! `{"cidr": "10.0.0.0/24"}` — "You can use IP address matching for IPv4 and IPv6 addresses."
//! The event value must be a string holding an IP address inside the block.

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cidr(pub(crate) IpNet);

impl Cidr {
    /// Parses `address/prefix-length`; the message says what was expected.
    pub(crate) fn parse(text: &str) -> Result<Cidr, String> {
        let Some((address, bits)) = text.split_once('/') else {
            return Err(format!(
                "Malformed CIDR \"{text}\": expected an IPv4 or IPv6 address, '/', and a prefix length"
            ));
        };
        let ip: IpAddr = address.parse().map_err(|_| {
            format!("Malformed CIDR \"{text}\": \"{address}\" is not an IP address")
        })?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let bits: u8 = match bits.parse::<u8>() {
            Ok(b) if b <= max && !bits.starts_with('+') => b,
            _ => {
                return Err(format!(
                "Malformed CIDR \"{text}\": the prefix length must be an integer from 0 to {max}"
            ))
            }
        };
        IpNet::new(ip, bits)
            .map(|net| Cidr(net.trunc()))
            .map_err(|e| format!("Malformed CIDR \"{text}\": {e}"))
    }

    pub(crate) fn matches(&self, v: &Value) -> bool {
        match v {
            Value::String(s) => s
                .parse::<IpAddr>()
                .map(|ip| self.0.contains(&ip))
                .unwrap_or(false),
            _ => false,
        }
    }
}
