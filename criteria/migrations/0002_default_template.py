"""Ships the default criteria template (INTERFACES.md) as data; administrators may edit it."""

from django.db import migrations


def ship_default_template(apps, schema_editor):
    from criteria.defaults import DEFAULT_CRITERIA, DEFAULT_TEMPLATE_NAME, DEFAULT_TEMPLATE_NAME_EN

    template_model = apps.get_model("criteria", "CriteriaTemplate")
    criterion_model = apps.get_model("criteria", "TemplateCriterion")
    if template_model.objects.filter(is_default=True).exists():
        return
    template, _ = template_model.objects.get_or_create(
        name=DEFAULT_TEMPLATE_NAME, defaults={"name_en": DEFAULT_TEMPLATE_NAME_EN, "is_default": True}
    )
    orders = {}
    for dimension, name, name_en, weight, description, guidance, rule in DEFAULT_CRITERIA:
        orders[dimension] = orders.get(dimension, 0) + 1
        criterion_model.objects.get_or_create(
            template=template,
            name=name,
            defaults={
                "dimension": dimension,
                "order": orders[dimension],
                "name_en": name_en,
                "weight": weight,
                "description": description,
                "guidance": guidance,
                "rule": rule,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("criteria", "0001_initial")]

    operations = [migrations.RunPython(ship_default_template, migrations.RunPython.noop)]
