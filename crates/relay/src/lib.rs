//! The webhook relay. HELPER-OWNED: being written.
