"""Persons, incidents, clips, signs of coercion, assessments and incident history."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('raqib', '0004_watchlist_backlog'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CoercionSign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=64, unique=True)),
                ('label_ar', models.CharField(max_length=200)),
                ('label_en', models.CharField(max_length=200)),
                ('active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300)),
                ('programme', models.CharField(blank=True, max_length=300)),
                ('first_aired', models.DateField(blank=True, null=True)),
                ('status', models.CharField(choices=[('suspected', 'مشتبه · suspected'), ('under_review', 'قيد المراجعة · under review'), ('confirmed', 'مؤكّد · confirmed'), ('dismissed', 'مرفوض · dismissed')], default='suspected', max_length=14)),
                ('notes', models.TextField(blank=True)),
                ('confidence', models.CharField(choices=[('low', 'منخفضة · low'), ('medium', 'متوسطة · medium'), ('high', 'عالية · high')], default='medium', max_length=8)),
                ('restricted', models.BooleanField(default=False)),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('assigned', models.ManyToManyField(blank=True, related_name='incidents_assigned', to=settings.AUTH_USER_MODEL)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('last_edited_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('outlet', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='raqib.outlet')),
                ('proposed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incidents_proposed', to=settings.AUTH_USER_MODEL)),
                ('signs', models.ManyToManyField(blank=True, related_name='incidents', to='review.coercionsign')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Clip',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.FloatField()),
                ('end', models.FloatField()),
                ('note', models.TextField(blank=True)),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('broadcast', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incident_clips', to='raqib.broadcast')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='clips', to='review.incident')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Assessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('proposer', 'Proposer'), ('second', 'Second')], max_length=10)),
                ('confidence', models.CharField(choices=[('low', 'منخفضة · low'), ('medium', 'متوسطة · medium'), ('high', 'عالية · high')], max_length=8)),
                ('note', models.TextField(blank=True)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('signs', models.ManyToManyField(blank=True, related_name='+', to='review.coercionsign')),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='review.incident')),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='IncidentEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(max_length=30)),
                ('from_status', models.CharField(blank=True, max_length=14)),
                ('to_status', models.CharField(blank=True, max_length=14)),
                ('reason', models.TextField(blank=True)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('version', models.PositiveIntegerField()),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='review.incident')),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=300)),
                ('variants', models.JSONField(blank=True, default=list)),
                ('latin', models.CharField(blank=True, max_length=300)),
                ('kind', models.CharField(choices=[('detainee', 'معتقل · detainee'), ('relative', 'قريب · relative'), ('witness', 'شاهد · witness'), ('official', 'مسؤول · official'), ('presenter', 'مقدّم · presenter'), ('activist', 'ناشط · activist'), ('other', 'آخر · other')], default='other', max_length=12)),
                ('restricted', models.BooleanField(default=False)),
                ('public_act_on', models.DateField(blank=True, null=True)),
                ('public_act', models.CharField(blank=True, max_length=300)),
                ('notes', models.TextField(blank=True)),
                ('search_key', models.TextField(blank=True, editable=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='IncidentPerson',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('confesses', 'يعترف · confesses'), ('disowns', 'يتبرّأ · disowns a relative'), ('denies', 'ينكر · denies documented crimes'), ('testifies', 'يشهد · testifies against someone'), ('other', 'آخر · other')], default='other', max_length=12)),
                ('relation', models.CharField(blank=True, max_length=100)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='people', to='review.incident')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appearances', to='review.person')),
                ('targeted', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='targeted_in', to='review.person')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['status', 'status_changed_at'], name='review_inci_status_9e9aca_idx'),
        ),
        migrations.AddConstraint(
            model_name='clip',
            constraint=models.UniqueConstraint(fields=('incident', 'broadcast', 'start', 'end'), name='clip_key'),
        ),
        migrations.AddConstraint(
            model_name='clip',
            constraint=models.CheckConstraint(condition=models.Q(('start__gte', 0), ('end__gt', models.F('start'))), name='clip_range_valid'),
        ),
        migrations.AddConstraint(
            model_name='incidentperson',
            constraint=models.UniqueConstraint(fields=('incident', 'person'), name='incident_person_key'),
        ),
    ]
