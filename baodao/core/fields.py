"""Model fields: text encrypted at rest with SM4-GCM (core.crypto)."""

from __future__ import annotations

from django.db import models

from baodao.core import crypto


class EncryptedTextField(models.TextField):
    """Stores SM4-GCM ciphertext; Python sees plain text. Not searchable: pair it with a hash column."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value: object) -> str | None:
        value = super().get_prep_value(value)
        return crypto.encrypt(str(value)) if value else ""
