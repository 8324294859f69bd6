"""The one error type of the incentives and financing domains: field, Chinese, English, HTTP status."""

from __future__ import annotations


class IncentiveError(ValueError):
    """A refused request. Nothing was changed. `status` is what an API answers with (404 also for
    "exists but you may not know it")."""

    def __init__(self, field: str, zh: str, en: str, status: int = 422) -> None:
        super().__init__(f"{field}: {zh} / {en}")
        self.field, self.zh, self.en, self.status = field, zh, en, status

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "zh": self.zh, "en": self.en}
