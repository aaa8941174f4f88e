"""Re-airing tables: fingerprints, the posting index, links, on-screen names."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('raqib', '0007_tag_vocabulary'),
        ('review', '0002_starting_signs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Fingerprint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('item_seconds', models.FloatField()),
                ('duration', models.FloatField(blank=True, null=True)),
                ('count', models.PositiveIntegerField(default=0)),
                ('data', models.BinaryField()),
                ('tool', models.CharField(blank=True, max_length=100)),
                ('matched_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('broadcast', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='fingerprint', to='raqib.broadcast')),
                ('media', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='raqib.mediafile')),
            ],
        ),
        migrations.CreateModel(
            name='FingerprintPosting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.IntegerField()),
                ('position', models.PositiveIntegerField()),
                ('broadcast', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='raqib.broadcast')),
            ],
            options={
                'indexes': [models.Index(fields=['key'], name='fp_posting_key')],
            },
        ),
        migrations.CreateModel(
            name='Reairing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.FloatField()),
                ('end', models.FloatField()),
                ('other_start', models.FloatField()),
                ('other_end', models.FloatField()),
                ('score', models.FloatField()),
                ('status', models.CharField(choices=[('suggested', 'suggested'), ('linked', 'linked (score above the link threshold)'), ('accepted', 'accepted by a reviewer'), ('rejected', 'rejected by a reviewer')], default='suggested', max_length=10)),
                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('broadcast', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='raqib.broadcast')),
                ('other', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='raqib.broadcast')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['broadcast', 'other'], name='reairing_pair')],
            },
        ),
        migrations.CreateModel(
            name='ScreenName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.FloatField()),
                ('end', models.FloatField()),
                ('text', models.TextField()),
                ('status', models.CharField(choices=[('suggested', 'suggested'), ('accepted', 'accepted'), ('rejected', 'rejected')], default='suggested', max_length=10)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('broadcast', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='raqib.broadcast')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='review.person')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('broadcast', 'person', 'start'), name='screen_name_key')],
            },
        ),
    ]
