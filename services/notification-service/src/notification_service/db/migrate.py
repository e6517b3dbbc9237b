"""Schema migrations: `python -m notification_service.db.migrate upgrade|current|check`."""

import sys
from pathlib import Path

from dapr_common.postgres import Migrations, SchemaBehind

migrations = Migrations(Path(__file__).parent / "migrations", "notification_service.db.migrate")
ensure_current = migrations.ensure_current
head_revision = migrations.head

__all__ = ["SchemaBehind", "ensure_current", "head_revision", "migrations"]

if __name__ == "__main__":
    sys.exit(migrations.main(sys.argv[1:]))
