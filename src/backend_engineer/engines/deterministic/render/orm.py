"""app/adapters/orm.py and app/domain/model.py."""

from __future__ import annotations

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.pyliteral import literal
from backend_engineer.engines.deterministic.render.tables import all_tables, column_expr


def render_orm(ir: ServiceIR) -> str:
    lines = [
        '"""SQLAlchemy tables, derived from datamodel.yaml. The migrations create exactly these."""',
        "",
        "from __future__ import annotations",
        "",
        "import sqlalchemy as sa",
        "",
        "metadata = sa.MetaData()",
        "",
    ]
    names = []
    for table in all_tables(ir):
        var = table.name
        names.append(var)
        lines.append(f"{var} = sa.Table(")
        lines.append(f"    {table.name!r},")
        lines.append("    metadata,")
        for col in table.columns:
            lines.append(f"    {column_expr(col, False)},")
        for name, expr in table.checks:
            lines.append(f"    sa.CheckConstraint({expr!r}, name={name!r}),")
        for idx in table.indexes:
            cols = ", ".join(repr(c) for c in idx.columns)
            unique = ", unique=True" if idx.unique else ""
            lines.append(f"    sa.Index({idx.name!r}, {cols}{unique}),")
        lines.append(")")
        lines.append("")
    lines.append("TABLES: dict[str, sa.Table] = {")
    lines += [f"    {n!r}: {n}," for n in names]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_model(ir: ServiceIR) -> str:
    pii = set(ir.bundle.security.pii.fields) if ir.bundle.security and ir.bundle.security.pii else set()
    outbound = (
        set(ir.bundle.security.input_safety.outbound_urls.fields)
        if ir.bundle.security and ir.bundle.security.input_safety and ir.bundle.security.input_safety.outbound_urls
        else set()
    )
    lines = [
        '"""Entity metadata derived from datamodel.yaml; the services and adapters read it."""',
        "",
        "from __future__ import annotations",
        "",
        "from app.domain.meta import EntityMeta, FieldMeta"
        + (", ParentMeta" if any(e.parent_field and e.parent_entity for e in ir.entities.values()) else ""),
        "",
        "ENTITIES: dict[str, EntityMeta] = {",
    ]
    for ent in ir.entities.values():
        lines.append(f"    {ent.name!r}: EntityMeta(")
        lines.append(f"        name={ent.name!r},")
        lines.append(f"        table={ent.table!r},")
        lines.append(f"        tenant_scoped={ent.spec.tenant_scoped},")
        lines.append(f"        pk={ent.pk!r},")
        lines.append("        fields={")
        for fname, spec in ent.fields.items():
            args = [f"{fname!r}", f"{spec.type!r}"]
            if spec.required:
                args.append("required=True")
            if spec.readonly or spec.primary_key or spec.generated:
                args.append("readonly=True")
            if spec.generated:
                args.append(f"generated={spec.generated!r}")
            if spec.default is not None:
                args.append(f"default={literal(spec.default)}")
            if spec.source:
                args.append(f"source={spec.source!r}")
            if f"{ent.name}.{fname}" in pii:
                args.append("pii=True")
            lines.append(f"            {fname!r}: FieldMeta({', '.join(args)}),")
        lines.append("        },")
        lines.append(f"        read_fields={literal(ent.read_fields, 8)},")
        if ent.parent_field and ent.parent_entity:
            lines.append(f"        parent=ParentMeta({ent.parent_field!r}, {ent.parent_entity!r}),")
        for attr in ("created_field", "updated_field", "version_field"):
            value = getattr(ent, attr)
            if value:
                lines.append(f"        {attr}={value!r},")
        unique = tuple(tuple(f for f in idx.fields if f != "tenant_id") for idx in ent.spec.indexes if idx.unique)
        if unique:
            lines.append(f"        unique={literal(unique)},")
        urls = tuple(f for f in ent.fields if f"{ent.name}.{f}" in outbound)
        if urls:
            lines.append(f"        outbound_url_fields={literal(urls)},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"
