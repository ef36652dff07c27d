# Created once by backend-engineer. This file is yours: it is never overwritten.
"""Your business rules. This file is yours: the generator creates it once and never overwrites it.

Register typed hooks on the registries in ``app.extensions`` (one per entity): ``before_create``,
``after_create``, ``before_update``, ``after_update``, ``before_delete``, ``after_delete`` and
``validator``. EXTENSIONS.md lists each one's exact signature for this service.

Example::

    from app import extensions
    from app.domain import entities
    from app.platform.errors import ValidationFailed
    from app.service_layer.extension import HookContext

    @extensions.account.validator
    def my_rule(ctx: HookContext, account: entities.Account) -> None:
        if ...:
            raise ValidationFailed("this Account breaks our rule")
"""

from __future__ import annotations
