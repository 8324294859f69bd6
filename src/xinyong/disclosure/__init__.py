"""Disclosure policy (信息披露): who may see which subjects, records and personal data.

One policy, two forms: `record_visible` / `subject_visible` (Python, the reference) and
`record_filter` / `subject_filter` (SQL where-clauses the store applies). Tests keep them equal.
"""
