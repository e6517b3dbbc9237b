"""Schema migrations: `python -m notification_service.db.migrate upgrade|current|check`."""

import sys
from pathlib import Path

from dapr_common.postgres import Migrations

migrations = Migrations(Path(__file__).parent / "migrations", "notification_service.db.migrate")
if __name__ == "__main__":
    sys.exit(migrations.main(sys.argv[1:]))
