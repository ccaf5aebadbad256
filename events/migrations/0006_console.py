from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0005_event_updated_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(db_index=True, max_length=300)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_failure', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'Failed logins, per account and per client address, shared by every worker.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SiteOption',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'site_option', 'app': 'kaigi', 'pk_attr': 'key', 'table_description': 'A setting admins change in the console (e.g. requiring a second factor for admins).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(default='', max_length=200)),
                ('role', fields.CharField(max_length=16)),
                ('organization', fields.ForeignKeyField('kaigi.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.SET_NULL)),
                ('password_hash', fields.CharField(default='', max_length=255)),
                ('locale', fields.CharField(default='ja', max_length=2)),
                ('totp_secret', fields.CharField(default='', max_length=64)),
                ('recovery_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('password_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'console_user', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'A person who runs events in the console: an admin, or an organizer of one organization.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccountToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('kaigi.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_token', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'A single-use link sent by mail: an invitation or a password reset.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('user', fields.ForeignKeyField('kaigi.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.SET_NULL)),
                ('api_key', fields.ForeignKeyField('kaigi.ApiKey', source_field='api_key_id', null=True, db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.SET_NULL)),
                ('actor', fields.CharField(default='', max_length=300)),
                ('client', fields.CharField(default='', max_length=100)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('event', fields.ForeignKeyField('kaigi.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.SET_NULL)),
                ('organization', fields.ForeignKeyField('kaigi.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.SET_NULL)),
                ('target', fields.CharField(default='', max_length=300)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_entry', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'Who did what, when, from where. Rows are only ever added.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsoleSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('kaigi.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('verified', fields.BooleanField(default=True)),
                ('client', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'console_session', 'app': 'kaigi', 'pk_attr': 'id', 'table_description': 'A login: the cookie holds a random id, the row its SHA-256, so a logout, a disabled'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Broadcast',
            name='user',
            field=fields.ForeignKeyField('kaigi.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Event',
            name='contact_email',
            field=fields.CharField(default='', db_default='', max_length=254),
        ),
        ops.AddField(
            model_name='Event',
            name='membership_choices',
            field=fields.CharField(default='member,oic_member', db_default='member,oic_member', max_length=500),
        ),
        ops.AddField(
            model_name='Event',
            name='share_registrants',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='venue_address_en',
            field=fields.CharField(default='', db_default='', max_length=500),
        ),
        ops.AddField(
            model_name='Event',
            name='venue_map_url',
            field=fields.CharField(default='', db_default='', max_length=1000),
        ),
        ops.AddField(
            model_name='Event',
            name='venue_name_en',
            field=fields.CharField(default='', db_default='', max_length=300),
        ),
        ops.AddField(
            model_name='Event',
            name='version',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='EventPartner',
            name='accepted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='EventPartner',
            name='status',
            field=fields.CharField(default='accepted', db_default='accepted', max_length=16),
        ),
        ops.AlterField(
            model_name='Notification',
            name='registration',
            field=fields.ForeignKeyField('kaigi.Registration', source_field='registration_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Notification',
            name='payload',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Notification',
            name='user',
            field=fields.ForeignKeyField('kaigi.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Registration',
            name='cancel_reason',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Registration',
            name='cancelled_by',
            field=fields.CharField(default='', db_default='', max_length=16),
        ),
        ops.AddField(
            model_name='Series',
            name='organization',
            field=fields.ForeignKeyField('kaigi.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='series', on_delete=OnDelete.SET_NULL),
        ),
    ]
