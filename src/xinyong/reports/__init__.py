"""PDF credit reports (信用报告) and the shared PDF helpers (CJK font, escaping, QR images)."""
