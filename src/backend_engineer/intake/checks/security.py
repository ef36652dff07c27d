"""SecurityPolicy: deny must be explicit, every operation must have a permission, references must exist."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import item, qualified_field_exists
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "security.yaml"


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    sec = bundle.security
    if sec is None:
        return
    yield from _authentication(bundle)
    yield from _authorization(bundle)
    yield from _tenancy(bundle)
    yield from _references(bundle)


def _authentication(bundle: Bundle) -> Iterator[IntakeItem]:
    auth = bundle.security.authentication if bundle.security else None
    if auth is None:
        yield item(
            bundle,
            F,
            ("authentication",),
            "missing",
            "no authentication scheme is defined",
            [
                "add `authentication: {scheme: jwt-bearer, algorithms: [HS256], issuer, audience, "
                "secret: {env: JWT_SECRET}}`"
            ],
        )
        return
    for key in ("scheme", "issuer", "audience", "secret"):
        if getattr(auth, key) in (None, ""):
            yield item(
                bundle,
                F,
                ("authentication", key),
                "missing",
                f"`authentication.{key}` is not set",
                [f"state `authentication.{key}` explicitly"],
            )
    if not auth.algorithms:
        yield item(
            bundle,
            F,
            ("authentication", "algorithms"),
            "missing",
            "no JWT algorithm is allowed",
            ["add `algorithms: [HS256]` (or RS256 with a public key)"],
        )
    if any(a.lower() == "none" for a in auth.algorithms):
        yield item(
            bundle,
            F,
            ("authentication", "algorithms"),
            "contradictory",
            "`none` is listed as a JWT algorithm: unsigned tokens would be accepted",
            ["remove `none`"],
        )


def _authorization(bundle: Bundle) -> Iterator[IntakeItem]:
    sec = bundle.security
    assert sec is not None
    authz = sec.authorization
    if authz is None:
        yield item(
            bundle,
            F,
            ("authorization",),
            "missing",
            "no authorization policy is defined",
            ["add `authorization: {default: deny, roles: {...}, operations: {...}}`"],
        )
        return
    if authz.default is None:
        yield item(
            bundle,
            F,
            ("authorization",),
            "missing",
            "the policy names no default (deny must be explicit)",
            ["add `default: deny` under authorization"],
        )
    elif authz.default == "allow":
        yield item(
            bundle,
            F,
            ("authorization", "default"),
            "contradictory",
            "`default: allow` contradicts deny-by-default authorization",
            ["set `default: deny` and map every operation to a permission"],
        )
    granted = {p for perms in authz.roles.values() for p in perms}
    if not authz.roles:
        yield item(
            bundle,
            F,
            ("authorization", "roles"),
            "missing",
            "no roles are defined",
            ["add `roles: {viewer: [...], admin: [...]}`"],
        )
    api = bundle.api
    op_ids = {o.operation_id for o in api.operations} if api else set()
    public = set(authz.public_operations)
    if api:
        for op in api.operations:
            if op.operation_id in public or op.operation_id in authz.operations:
                continue
            if op.security is not None and len(op.security) == 0 and op.operation_id not in public:
                yield item(
                    bundle,
                    F,
                    ("authorization", "public_operations"),
                    "contradictory",
                    f"`{op.operation_id}` has `security: []` in openapi.yaml but is not listed public",
                    [
                        f"add `{op.operation_id}` to public_operations",
                        f"map `{op.operation_id}` to a permission and remove `security: []`",
                    ],
                )
                continue
            yield item(
                bundle,
                F,
                ("authorization", "operations"),
                "missing",
                f"no permission is mapped for the operation `{op.operation_id}`",
                [f"add `{op.operation_id}: <entity>:<action>` and grant it to the roles that may call it"],
            )
    for op_id, perm in authz.operations.items():
        if api and op_id not in op_ids:
            yield item(
                bundle,
                F,
                ("authorization", "operations", op_id),
                "contradictory",
                f"permission mapped for `{op_id}`, which openapi.yaml does not define",
                ["remove the mapping", "add the operation to openapi.yaml"],
            )
        elif perm not in granted:
            yield item(
                bundle,
                F,
                ("authorization", "operations", op_id),
                "contradictory",
                f"`{op_id}` needs `{perm}`, which no role grants (nobody could call it)",
                [f"grant `{perm}` to a role", "map the operation to a granted permission"],
            )
    for i, op_id in enumerate(authz.public_operations):
        if api and op_id not in op_ids:
            yield item(
                bundle,
                F,
                ("authorization", "public_operations", i),
                "contradictory",
                f"public operation `{op_id}` does not exist in openapi.yaml",
                ["remove it from public_operations"],
            )


def _tenancy(bundle: Bundle) -> Iterator[IntakeItem]:
    sec = bundle.security
    assert sec is not None
    scoped = [n for n, e in bundle.datamodel.entities.items() if e.tenant_scoped] if bundle.datamodel else []
    if sec.tenancy is None:
        if scoped:
            yield item(
                bundle,
                F,
                ("tenancy",),
                "missing",
                f"tenant-scoped entities ({', '.join(scoped)}) but no tenancy policy",
                ["add `tenancy: {claim: tenant_id, enforce: [service, query, row_level_security]}`"],
            )
        return
    claims = sec.authentication.claims if sec.authentication else None
    if sec.tenancy.claim is None:
        yield item(bundle, F, ("tenancy", "claim"), "missing", "no tenant claim is named", ["add `claim: tenant_id`"])
    elif claims is not None and claims.tenant is not None and claims.tenant != sec.tenancy.claim:
        yield item(
            bundle,
            F,
            ("tenancy", "claim"),
            "contradictory",
            f"tenancy.claim `{sec.tenancy.claim}` differs from authentication.claims.tenant `{claims.tenant}`",
            ["use the same claim name in both places"],
        )


def _references(bundle: Bundle) -> Iterator[IntakeItem]:
    sec = bundle.security
    assert sec is not None
    if bundle.datamodel is None:
        return
    refs: list[tuple[tuple[str | int, ...], str]] = []
    if sec.pii:
        refs += [(("pii", "fields", i), f) for i, f in enumerate(sec.pii.fields)]
    if sec.input_safety and sec.input_safety.outbound_urls:
        refs += [
            (("input_safety", "outbound_urls", "fields", i), f)
            for i, f in enumerate(sec.input_safety.outbound_urls.fields)
        ]
    if sec.logging:
        refs += [(("logging", "redact", i), f) for i, f in enumerate(sec.logging.redact) if "." in f]
    for path, ref in refs:
        if not qualified_field_exists(bundle, ref):
            yield item(
                bundle,
                F,
                path,
                "contradictory",
                f"`{ref}` is not a field in datamodel.yaml",
                ["write it as Entity.field with an existing field"],
            )
