"""Tag vocabulary (labels, promoted by a lead) and tags on a time range; the starting vocabulary."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


STARTING_VOCABULARY = [
    ("forced-confession", "اعتراف قسري", "forced confession"),
    ("family-disavowal", "تبرؤ عائلي", "family disavowal"),
    ("coerced-testimony", "شهادة تحت الإكراه", "coerced testimony"),
    ("denial-of-documented-crimes", "إنكار جرائم موثقة", "denial of documented crimes"),
    ("named-activist", "ناشط مذكور بالاسم", "named activist"),
    ("minor-present", "حضور قاصر", "minor present"),
]


def add_vocabulary(apps, schema_editor):
    tag = apps.get_model("raqib", "Tag")
    for name, label_ar, label_en in STARTING_VOCABULARY:
        row, _ = tag.objects.get_or_create(name=name)
        row.vocabulary, row.label_ar, row.label_en = True, label_ar, label_en
        row.save()


class Migration(migrations.Migration):

    dependencies = [
        ('raqib', '0006_drop_segment_fts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='tagging',
            name='tagging_key',
        ),
        migrations.AddField(
            model_name='tag',
            name='label_ar',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='tag',
            name='label_en',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='tag',
            name='promoted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='tag',
            name='vocabulary',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='tagging',
            name='end',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='tagging',
            name='start',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='tagging',
            constraint=models.UniqueConstraint(fields=('tag', 'broadcast', 'segment', 'start', 'end'), name='tagging_key'),
        ),
        migrations.RunPython(add_vocabulary, migrations.RunPython.noop),
    ]
