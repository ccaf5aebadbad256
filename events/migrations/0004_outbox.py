from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0003_checkins')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('kaigi.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('audience', fields.CharField(max_length=16)),
                ('subject_ja', fields.CharField(max_length=200)),
                ('subject_en', fields.CharField(max_length=200)),
                ('body_ja', fields.TextField(unique=False)),
                ('body_en', fields.TextField(unique=False)),
                ('recipients', fields.IntField(default=0)),
                ('api_key', fields.ForeignKeyField('kaigi.ApiKey', source_field='api_key_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'A message from the organizers to part of the audience, one outbox row per recipient.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Notification',
            options={'table': 'notification', 'app': 'kaigi', 'unique_together': (('registration', 'purpose', 'revision'),), 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'The outbox: a message owed to an attendee, written in the transaction that causes it.'},
        ),
        ops.RenameField(
            model_name='Notification',
            old_name='delivered_at',
            new_name='sent_at',
        ),
        ops.AddField(
            model_name='Notification',
            name='claimed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notification',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Notification',
            name='broadcast',
            field=fields.ForeignKeyField('kaigi.Broadcast', source_field='broadcast_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Notification',
            name='claimed_by',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='Notification',
            name='last_error',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Notification',
            name='message_id',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='Notification',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notification',
            name='status',
            field=fields.CharField(default='pending', db_default='pending', max_length=16),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['status', 'next_attempt_at']),
        ),
        ops.AddField(
            model_name='Registration',
            name='unsubscribed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
