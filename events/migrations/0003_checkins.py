from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0002_registrations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Admission',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registration', fields.ForeignKeyField('kaigi.Registration', source_field='registration_id', db_constraint=True, to_field='id', related_name='admissions', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('kaigi.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='admissions', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('kaigi.Session', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='admissions', on_delete=OnDelete.SET_NULL)),
                ('day', fields.CharField(max_length=10)),
                ('gate', fields.CharField(default='', max_length=100)),
                ('admitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'admission', 'app': 'kaigi', 'unique_together': (('registration', 'day'),), 'pk_attr': 'id', 'table_description': 'An accepted entry: one per registration and session day (the venue door).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Scan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('kaigi.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('registration', fields.ForeignKeyField('kaigi.Registration', source_field='registration_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('admission', fields.ForeignKeyField('kaigi.Admission', source_field='admission_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('api_key', fields.ForeignKeyField('kaigi.ApiKey', source_field='api_key_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('nonce', fields.CharField(null=True, max_length=100)),
                ('code', fields.CharField(default='', max_length=200)),
                ('result', fields.CharField(max_length=32)),
                ('gate', fields.CharField(default='', max_length=100)),
                ('offline', fields.BooleanField(default=False)),
                ('scanned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answer', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'scan', 'app': 'kaigi', 'unique_together': (('event', 'nonce'),), 'pk_attr': 'id', 'table_description': "Every scan, accepted or refused, for the organizer's audit and for retries."},
            bases=['Model'],
        ),
    ]
