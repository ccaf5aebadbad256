from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0006_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IdempotentReply',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=255)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('status', fields.IntField()),
                ('body', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idempotent_reply', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'The first answer to a POST with an Idempotency-Key, replayed to its retries.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RateCounter',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=255)),
                ('count', fields.IntField(default=0)),
                ('window_ends_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rate_counter', 'app': 'kaigi', 'pk_attr': 'key', 'table_description': 'A fixed-window counter shared by every web worker (when Redis is not configured).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='challenge',
            field=fields.CharField(default='auto', db_default='auto', max_length=8),
        ),
        ops.AddField(
            model_name='Event',
            name='confirm_email',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='consent_required',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='privacy',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Event',
            name='privacy_version',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name='Event',
            name='purged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Registration',
            name='anonymised_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Registration',
            name='calendar_sequence',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Registration',
            name='calendar_uids',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Registration',
            name='consent_version',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Registration',
            name='email_confirmed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Registration',
            name='hold_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Registration',
            name='link_mailed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
