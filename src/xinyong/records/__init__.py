"""Credit records (信用信息): one fact about a subject, with provenance."""
