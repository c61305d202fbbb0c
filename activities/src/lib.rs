//! Disaster-recovery activities as Rust Lambda functions. Not built yet: see the issue "Activities".
