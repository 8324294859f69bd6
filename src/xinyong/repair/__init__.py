"""Credit repair (信用修复) and objections (信用异议): docs/repair.md, docs/objections.md."""
