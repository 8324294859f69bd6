"""Transparency log (透明日志): RFC 6962/9162 Merkle tree over every credit-record event."""
