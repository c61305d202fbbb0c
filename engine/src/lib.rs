//! The local ASL engine. Not built yet: see the issue "Local engine".
