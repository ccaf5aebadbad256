from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('kaigi.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('name_kana', fields.CharField(default='', max_length=200)),
                ('email', fields.CharField(max_length=254)),
                ('email_normalized', fields.CharField(max_length=254)),
                ('affiliation', fields.CharField(default='', max_length=300)),
                ('membership', fields.CharField(default='none', max_length=100)),
                ('attendance', fields.CharField(max_length=8)),
                ('locale', fields.CharField(default='ja', max_length=2)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('queue_seq', fields.IntField(default=0)),
                ('consent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'registration', 'app': 'kaigi', 'unique_together': (('event', 'email_normalized'),), 'indexes': [Index(fields=['event_id', 'attendance', 'status', 'queue_seq'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registration', fields.ForeignKeyField('kaigi.Registration', source_field='registration_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=32)),
                ('revision', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'kaigi', 'unique_together': (('registration', 'purpose', 'revision'),), 'pk_attr': 'id', 'table_description': 'A message owed to an attendee, written in the transaction that causes it.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='online_confirmed',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Event',
            name='online_waitlisted',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Event',
            name='queue_seq',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Event',
            name='venue_confirmed',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Event',
            name='venue_waitlisted',
            field=fields.IntField(default=0),
        ),
    ]
