"""Notifications that are never lost (通知): a transactional outbox (`emit`), and a worker
(`xinyong worker`) that delivers each event to the in-app inbox (站内信), e-mail (SMTP) and signed
webhooks (Standard Webhooks). See docs/notifications.md."""

from xinyong.notify.outbox import emit

__all__ = ["emit"]
