"""The migrations build exactly the tables the models declare."""

from alembic import command

from devstack.testing import RunningStack
from notification_service.db.migrate import migrations


def test_migrated_schema_matches_the_models(
    running_stack: RunningStack, notifications_db: str
) -> None:
    # Alembic's autogenerate comparison: raises if models and migrated schema differ.
    command.check(migrations.config(running_stack.stack.database_url(notifications_db)))
