"""The starting list of coded signs of coercion (leads add more on the vocabulary page or
with ``raqib incidents signs add``)."""

from django.db import migrations

STARTING_SIGNS = [
    ("reads-script", "يقرأ نصاً مكتوباً", "reads a script"),
    ("visible-injuries", "إصابات ظاهرة", "visible injuries"),
    ("detention-setting", "في مكان احتجاز", "detention setting"),
    ("recanted-later", "تراجع لاحقاً", "recanted later"),
    ("security-officer-present", "حضور عنصر أمني", "security officer present"),
    ("relative-detained", "قريب محتجز", "a relative is detained"),
    ("contradicts-documented-facts", "يناقض وقائع موثقة", "contradicts documented facts"),
    ("edited-statement", "تصريح مقتطع أو مونتاج", "statement edited or cut"),
]


def add_signs(apps, schema_editor):
    sign = apps.get_model("review", "CoercionSign")
    for code, label_ar, label_en in STARTING_SIGNS:
        sign.objects.get_or_create(code=code, defaults={"label_ar": label_ar,
                                                        "label_en": label_en})


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [migrations.RunPython(add_signs, migrations.RunPython.noop)]
