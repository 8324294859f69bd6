"""Record status (记录状态): one append-only table of status events per record — repaired (已修复),
objection opened / upheld / rejected (异议), revoked by the deciding authority (撤销), erased by a legal
decision (依法删除) — from which the status as of any date is derived. See docs/status.md."""
