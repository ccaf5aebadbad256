from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('kaigi', '0004_outbox')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Event',
            name='updated_at',
            field=fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
