//! Vega PBX (../shared/providers/vega.md). HELPER-OWNED.
