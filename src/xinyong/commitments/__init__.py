"""Credit commitments (信用承诺): templates, signing, lifecycle, breach records, signing rates.

docs/commitments.md describes the domain."""
